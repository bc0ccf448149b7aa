import { Type } from '@sinclair/typebox';

/** Error responses, all in the one error body. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((status) => [status, { $ref: 'ErrorBody#' }]));
}

export const bearer = [{ bearer: [] }];

/** A day an entry or an insight may be about: a calendar date (YYYY-MM-DD) from 1900 to 2999. */
export const EntryDate = Type.String({
  format: 'date',
  pattern: '^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$',
  description: 'a calendar date, YYYY-MM-DD, from 1900 to 2999',
});

/** An email address as accounts take it (at most 254 characters). */
export const Email = Type.String({ format: 'email', maxLength: 254 });

/**
 * Text the server trims and then needs non-empty (a title, a name): at least one character
 * that is not white space (as JavaScript's trim() sees it), no U+0000.
 */
export function nonBlankText(maxLength: number, description?: string) {
  return Type.String({
    maxLength,
    pattern: '^[^\\u0000]*[^\\s\\u0000\\ufeff][^\\u0000]*$',
    ...(description === undefined ? {} : { description }),
  });
}

/** An IANA time zone, by its canonical name (as this runtime knows them), or UTC. */
export const TimeZone = Type.String({
  enum: [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])],
  description: 'IANA time zone, e.g. Europe/Lisbon',
});
