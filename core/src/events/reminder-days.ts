/** The days a reminder can be set on, Monday first (ISO 8601), in the form Postgres' to_char(…, 'dy') gives. */
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];
