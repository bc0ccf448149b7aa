import { useInfiniteQuery } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from '../api/client';
import type { AuditPage, AuditVerification } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText, Field } from '../components/Field';
import { Answer } from '../components/Answer';

interface Filter {
  readonly q: string;
  readonly from: string;
  readonly to: string;
}

const queryOf = (filter: Filter) => {
  const query = new URLSearchParams();
  if (filter.q.trim() !== '') query.set('q', filter.q.trim());
  if (filter.from !== '') query.set('from', filter.from);
  if (filter.to !== '') query.set('to', filter.to);
  return query;
};

/** For compliance staff: the audit logs searched, their hash chains verified, an export. */
export default function Compliance() {
  const { t } = useTranslation();
  const id = useId();
  const [form, setForm] = useState<Filter>({ q: '', from: '', to: '' });
  const [filter, setFilter] = useState<Filter>(form);
  const [error, setError] = useState<string | null>(null);
  const logs = useInfiniteQuery({
    queryKey: ['audit', filter],
    queryFn: ({ signal, pageParam }) => {
      const query = queryOf(filter);
      if (pageParam !== null) query.set('cursor', pageParam);
      return api<AuditPage>('GET', `/v1/audit/logs?${query.toString()}`, { signal });
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const records = { ...logs, data: logs.data && { items: logs.data.pages.flatMap((page) => page.items) } };
  const [verified, setVerified] = useState<AuditVerification | null>(null);
  const verify = async () => {
    setError(null);
    const days = new URLSearchParams();
    if (form.from !== '') days.set('from', form.from);
    if (form.to !== '') days.set('to', form.to);
    try {
      setVerified(await api<AuditVerification>('GET', `/v1/audit/verify?${days.toString()}`));
    } catch (failure) {
      setError(inWords(t, failure));
    }
  };
  const exportAs = async (format: 'csv' | 'ndjson') => {
    setError(null);
    const query = queryOf(filter);
    query.set('format', format);
    const type = format === 'csv' ? 'text/csv' : 'application/x-ndjson';
    await download(`/v1/audit/export?${query.toString()}`, type, `audit.${format}`).catch((failure: unknown) =>
      setError(inWords(t, failure)),
    );
  };
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    setFilter(form);
  };
  return (
    <section>
      <h1>{t('compliance.title')}</h1>
      <form role="search" onSubmit={submit} className="filters">
        <Field label={t('compliance.words')} value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} />
        <Field
          label={t('entries.from')}
          type="date"
          value={form.from}
          onChange={(e) => setForm({ ...form, from: e.target.value })}
        />
        <Field
          label={t('entries.to')}
          type="date"
          value={form.to}
          onChange={(e) => setForm({ ...form, to: e.target.value })}
        />
        <div className="actions">
          <button type="submit">{t('compliance.search')}</button>
          <button type="button" className="quiet" onClick={() => void verify()}>
            {t('compliance.verify')}
          </button>
          <button type="button" className="quiet" onClick={() => void exportAs('csv')}>
            {t('compliance.exportCsv')}
          </button>
          <button type="button" className="quiet" onClick={() => void exportAs('ndjson')}>
            {t('compliance.exportNdjson')}
          </button>
        </div>
      </form>
      {error !== null && <ErrorText message={error} />}
      {verified !== null && (
        <p role="status">
          {verified.ok
            ? t('compliance.intact', { checked: verified.checked, chains: verified.chains })
            : t('compliance.broken', {
                chain: verified.firstBrokenAt?.chain ?? '',
                seq: verified.firstBrokenAt?.seq ?? 0,
                detail: verified.firstBrokenAt?.detail ?? '',
              })}
        </p>
      )}
      <Answer query={records} empty={t('compliance.none')}>
        {(items) => (
          <table className="counts" aria-labelledby={`${id}-records`}>
            <caption id={`${id}-records`}>{t('compliance.records')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('compliance.when')}</th>
                <th scope="col">{t('compliance.action')}</th>
                <th scope="col">{t('compliance.actor')}</th>
                <th scope="col">{t('compliance.user')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((record) => (
                <tr key={record.eventId}>
                  <td>{new Date(record.timestamp).toLocaleString()}</td>
                  <td>{record.action}</td>
                  <td>{record.actorRole ?? '—'}</td>
                  <td>{record.userId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Answer>
      {logs.hasNextPage && (
        <button
          type="button"
          className="quiet"
          disabled={logs.isFetchingNextPage}
          onClick={() => void logs.fetchNextPage()}
        >
          {t('compliance.more')}
        </button>
      )}
    </section>
  );
}
