export type { Checkpoint, NewEvent, RecordedEvent, EventMetadata, ExpectedVersion, AppendResult } from './types.js';
export { startOfLog } from './types.js';
export { StreamVersionConflict } from './errors.js';
export { newEventId } from './event-id.js';
export { listenForEvents, type EventNotifications } from './event-notifications.js';
export {
  appendToStream,
  latestUserEvent,
  readStream,
  readAll,
  readUserSince,
  readerHoldBack,
  type ReaderHoldBack,
} from './postgres-event-store.js';
export type { EventStoreTables } from './schema.js';
export { assertCommitOrderReachable, commitOrderReach, type CommitOrderReach } from './moved.js';
