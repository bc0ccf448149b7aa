import { AppError } from '../errors/index.js';
import type { DomainEvent } from './rules.js';

/** A notification as its stream leaves it. */
export interface NotificationState {
  readonly userId: string;
  readonly version: number;
  readonly read: boolean;
}

/** Folds a notification's stream (NotificationRaised, then NotificationRead at most once). */
export function notificationState(
  events: readonly { readonly type: string; readonly userId: string | null; readonly streamVersion: number }[],
): NotificationState | undefined {
  let state: NotificationState | undefined;
  for (const event of events) {
    if (event.type === 'NotificationRaised' && event.userId !== null) {
      state = { userId: event.userId, version: event.streamVersion, read: false };
    } else if (event.type === 'NotificationRead' && state !== undefined) {
      state = { ...state, version: event.streamVersion, read: true };
    }
  }
  return state;
}

/**
 * A user reads one of their notifications. Reading it again changes nothing; another user's,
 * or one that does not exist, is 404 (nobody learns that someone else's exists).
 */
export function decideNotificationRead(
  state: NotificationState | undefined,
  command: { readonly userId: string; readonly notificationId: string },
): DomainEvent[] {
  if (state?.userId !== command.userId) throw new AppError('NOT_FOUND', 'no such notification');
  if (state.read) return [];
  return [{ type: 'NotificationRead', data: { notificationId: command.notificationId } }];
}
