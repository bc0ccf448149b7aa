import { api } from './client';
import type { NotificationList } from './types';

/** The writer's notifications, newest first, with the unread count (the page and the nav read it). */
export const notificationsQuery = {
  queryKey: ['notifications'],
  queryFn: ({ signal }: { signal: AbortSignal }) =>
    api<NotificationList>('GET', '/v1/notifications?limit=50', { signal }),
};
