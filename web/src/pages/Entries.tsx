import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { moods, type Entry, type Mood, type Page } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText, Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { entryKeys } from '../entry/queries';

const pageSize = 20;

interface Filters {
  readonly mood: Mood | '';
  readonly tag: string;
  readonly from: string;
  readonly to: string;
}

const noFilters: Filters = { mood: '', tag: '', from: '', to: '' };

/** The list's query string: the filters that are set, then the page. */
function listUrl(filters: Filters, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (filters.mood !== '') query.set('mood', filters.mood);
  if (filters.tag.trim() !== '') query.set('tag', filters.tag.trim().toLowerCase());
  if (filters.from !== '') query.set('from', filters.from);
  if (filters.to !== '') query.set('to', filters.to);
  if (cursor !== null) query.set('cursor', cursor);
  return `/v1/entries?${query.toString()}`;
}

/** The writer's entries, newest first, a page at a time (the API's keyset cursor), filtered. */
export default function Entries() {
  const { t } = useTranslation();
  const moodId = useId();
  const [filters, setFilters] = useState<Filters>(noFilters);
  const entries = useInfiniteQuery({
    queryKey: [...entryKeys.all, 'list', filters],
    queryFn: ({ pageParam, signal }) => api<Page<Entry>>('GET', listUrl(filters, pageParam), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // The list stays while a changed filter loads.
    placeholderData: keepPreviousData,
  });
  const filter = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });
  const filtered = filters !== noFilters;

  const items = entries.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section>
      <h1>{t('entries.title')}</h1>
      <form className="filters" role="search" aria-label={t('entries.filters')} onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={moodId}>{t('entries.byMood')}</label>
          <select
            id={moodId}
            value={filters.mood}
            onChange={(event) => filter({ mood: moods.find((mood) => mood === event.target.value) ?? '' })}
          >
            <option value="">{t('entries.anyMood')}</option>
            {moods.map((mood) => (
              <option key={mood} value={mood}>
                {t(`mood.${mood}`)}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={t('entries.byTag')}
          value={filters.tag}
          onChange={(event) => filter({ tag: event.target.value })}
        />
        <Field
          label={t('entries.from')}
          type="date"
          value={filters.from}
          onChange={(event) => filter({ from: event.target.value })}
        />
        <Field
          label={t('entries.to')}
          type="date"
          value={filters.to}
          onChange={(event) => filter({ to: event.target.value })}
        />
        {filtered && (
          <button type="button" className="quiet" onClick={() => setFilters(noFilters)}>
            {t('entries.clear')}
          </button>
        )}
      </form>
      {entries.isPending ? (
        <Loading />
      ) : entries.isError ? (
        <ErrorText message={inWords(t, entries.error)} />
      ) : items.length === 0 ? (
        <p>{filtered ? t('entries.noMatch') : t('entries.empty')}</p>
      ) : (
        <ul className="entries" aria-label={t('entries.list')}>
          {items.map((entry) => (
            <li key={entry.id}>
              <span className="date">{entry.date}</span>
              <Link className="title" to="/entries/$id" params={{ id: entry.id }}>
                {entry.title === '' ? t('entries.noTitle') : entry.title}
              </Link>
              {entry.mood !== null && <span className={`badge mood-${entry.mood}`}>{t(`mood.${entry.mood}`)}</span>}
              <span className="hint">{t('entries.words', { count: entry.wordCount })}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        {entries.hasNextPage && (
          <button type="button" disabled={entries.isFetchingNextPage} onClick={() => void entries.fetchNextPage()}>
            {t('entries.more')}
          </button>
        )}
        <Link to="/trash">{t('trash.title')}</Link>
      </div>
    </section>
  );
}
