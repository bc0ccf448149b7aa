import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { CommandResult, Entry, Page } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Answer } from '../components/Answer';
import { entryKeys } from '../entry/queries';

/** Deleted entries, each with a button that restores it. */
export default function Trash() {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const trash = useQuery({
    queryKey: [...entryKeys.all, 'trash'],
    queryFn: ({ signal }) => api<Page<Entry>>('GET', '/v1/entries?deleted=true&limit=100', { signal }),
  });
  const restore = useMutation({
    mutationFn: (id: string) => api<CommandResult>('POST', `/v1/entries/${encodeURIComponent(id)}/restore`),
    onSuccess: () => queries.invalidateQueries({ queryKey: entryKeys.all }),
  });
  return (
    <section>
      <h1>{t('trash.title')}</h1>
      <Answer query={trash} empty={t('trash.empty')}>
        {(items) => (
          <ul className="entries">
            {items.map((entry) => (
              <li key={entry.id}>
                <span className="date">{entry.date}</span>
                <span className="title">{entry.title}</span>
                <button
                  type="button"
                  disabled={restore.isPending}
                  aria-label={t('trash.restore', { title: entry.title })}
                  onClick={() => restore.mutate(entry.id)}
                >
                  {t('entry.restore')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </Answer>
      {restore.isError && <ErrorText message={inWords(t, restore.error)} />}
    </section>
  );
}
