import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { Entry, Page } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Loading } from '../components/Loading';

const pageSize = 20;

/** The writer's entries, newest first, a page at a time (the API's keyset cursor). */
export default function Entries() {
  const { t } = useTranslation();
  const entries = useInfiniteQuery({
    queryKey: ['entries', 'list'],
    queryFn: ({ pageParam, signal }) =>
      api<Page<Entry>>(
        'GET',
        `/v1/entries?limit=${pageSize}${pageParam === null ? '' : `&cursor=${encodeURIComponent(pageParam)}`}`,
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });

  const items = entries.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section>
      <h1>{t('entries.title')}</h1>
      {entries.isPending ? (
        <Loading />
      ) : entries.isError ? (
        <ErrorText message={inWords(t, entries.error)} />
      ) : items.length === 0 ? (
        <p>{t('entries.empty')}</p>
      ) : (
        <ul className="entries">
          {items.map((entry) => (
            <li key={entry.id}>
              <span className="date">{entry.date}</span>
              <span className="title">{entry.title === '' ? t('entries.noTitle') : entry.title}</span>
              {entry.mood !== null && <span className={`badge mood-${entry.mood}`}>{t(`mood.${entry.mood}`)}</span>}
              <span className="hint">{t('entries.words', { count: entry.wordCount })}</span>
            </li>
          ))}
        </ul>
      )}
      {entries.hasNextPage && (
        <button type="button" disabled={entries.isFetchingNextPage} onClick={() => void entries.fetchNextPage()}>
          {t('entries.more')}
        </button>
      )}
    </section>
  );
}
