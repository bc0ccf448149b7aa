import type { RecordedEvent } from '../eventstore/index.js';
import type { LiveUpdate, LiveUpdateType } from './types.js';

/** The events a writer's open streams are told of, and as what. */
const updateTypes: Partial<Record<string, LiveUpdateType>> = {
  EntryCreated: 'entry-created',
  EntryUpdated: 'entry-updated',
  EntryDeleted: 'entry-deleted',
  EntryRestored: 'entry-restored',
  AttachmentAdded: 'entry-updated',
  AttachmentRemoved: 'entry-updated',
  ThumbnailGenerated: 'entry-updated',
  EntryAnalyzed: 'analysis-ready',
  InsightGenerated: 'insight-ready',
  NotificationRaised: 'notification',
  NotificationRead: 'notification',
  AchievementUnlocked: 'achievement',
};

/** The event types that make a live update (what a replay reads). */
export const liveEventTypes: readonly string[] = Object.keys(updateTypes);

/** The update an event makes, if any: about its entry, insight or notification (ids are never sealed). */
export function liveUpdateOf(event: RecordedEvent): LiveUpdate | undefined {
  const type = updateTypes[event.type];
  const id = event.data.entryId ?? event.data.insightId ?? event.data.notificationId ?? event.data.code;
  if (type === undefined || event.userId === null || typeof id !== 'string') return undefined;
  return { type, id, position: event.globalPosition };
}
