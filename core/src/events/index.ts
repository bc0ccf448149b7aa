export { defineEvent, type EventDefinition, type EventCatalog, type EventData } from './definition.js';
export { createEventCodec, InvalidEvent, type EventCodec, type DecodedEvent, type EventToAppend } from './codec.js';
export { mindflowEvents, type MindflowEvents, type MindflowEventType } from './catalog.js';
export {
  Consent,
  InsightKind,
  IsoDate,
  Language,
  Mood,
  NotificationKind,
  NotificationSeverity,
  notificationKinds,
  notificationSeverities,
  Reminders,
  Role,
  Settings,
  Weekday,
  Theme,
  Uuid,
  promptIdPattern,
} from './schemas.js';
export { weekdays, type Weekday as WeekdayName } from './reminder-days.js';
