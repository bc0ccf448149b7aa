import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { Entry, Page } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Loading } from '../components/Loading';
import { writersToday } from '../dates';
import { EntryForm } from '../entry/EntryForm';

/** The editor for today's entry: loads it (or starts one), then hands it to the form. */
export default function Today() {
  const { t } = useTranslation();
  const date = writersToday();
  const entry = useQuery({
    queryKey: ['entries', 'day', date],
    queryFn: ({ signal }) => api<Page<Entry>>('GET', `/v1/entries?from=${date}&to=${date}&limit=1`, { signal }),
    staleTime: Infinity,
    gcTime: 0,
  });
  return (
    <section>
      <h1>
        {t('today.title')} <small className="date">{date}</small>
      </h1>
      {entry.isPending ? (
        <Loading />
      ) : entry.isError ? (
        <ErrorText message={inWords(t, entry.error)} />
      ) : (
        <EntryForm date={date} loaded={entry.data.items[0] ?? null} />
      )}
    </section>
  );
}
