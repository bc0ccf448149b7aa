import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { notificationsQuery } from '../api/notifications';
import type { CommandResult } from '../api/types';
import { inWords } from '../api/words';
import { Answer } from '../components/Answer';
import { ErrorText } from '../components/Field';

const where = {
  'insight-ready': '/insights',
  'export-ready': '/your-data',
  reminder: '/today',
  achievement: '/',
} as const;

/** What the writer was told of (insights and exports ready, reminders), newest first; each can be marked read. */
export default function Notifications() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const list = useQuery(notificationsQuery);
  const read = useMutation({
    mutationFn: (id: string) => api<CommandResult>('POST', `/v1/notifications/${encodeURIComponent(id)}/read`),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['notifications'] }),
  });
  return (
    <section>
      <h1>{t('notifications.title')}</h1>
      <Answer query={list} empty={t('notifications.empty')}>
        {(items) => (
          <ul className="entries">
            {items.map((item) => (
              <li key={item.id} className={item.readAt === null ? 'unread' : undefined}>
                <span className="date">{new Date(item.createdAt).toLocaleString()}</span>
                <Link className="title" to={where[item.kind]}>
                  {item.title}
                </Link>
                {item.severity !== null && (
                  <span className="badge">{t(`notifications.severity.${item.severity}`)}</span>
                )}
                {item.readAt === null && (
                  <button
                    type="button"
                    className="quiet"
                    disabled={read.isPending}
                    aria-label={t('notifications.markRead', { title: item.title })}
                    onClick={() => read.mutate(item.id)}
                  >
                    {t('notifications.read')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Answer>
      {read.isError && <ErrorText message={inWords(t, read.error)} />}
    </section>
  );
}
