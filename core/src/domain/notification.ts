import { createHash } from 'node:crypto';
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

/** A notification's id, from what it is about (an event's id, a writer's day): the same cause always raises the same one. */
export function notificationIdOf(cause: string, kind: string): string {
  const hex = createHash('sha256').update(`notification:${kind}:${cause}`).digest('hex');
  // A UUID of version 8 (RFC 9562: custom), variant 10.
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
