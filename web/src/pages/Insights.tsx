import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { CommandResult, Insight, InsightKind, Page } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Answer } from '../components/Answer';
import { addDays, writersToday } from '../dates';

const kinds: readonly InsightKind[] = ['weekly', 'monthly'];

/** The writer's weekly and monthly insights, and a request for a new one (the last 7 or 30 days). */
export default function Insights() {
  const { t } = useTranslation();
  const kindId = useId();
  const queries = useQueryClient();
  const [kind, setKind] = useState<InsightKind>('weekly');
  const insights = useQuery({
    queryKey: ['insights'],
    queryFn: ({ signal }) => api<Page<Insight>>('GET', '/v1/insights?limit=50', { signal }),
    // A requested insight is written by the ai-worker a little later.
    refetchInterval: (query) => (query.state.data?.items.some((item) => item.status === 'queued') ? 3_000 : false),
  });
  const request = useMutation({
    mutationFn: () => {
      const to = writersToday();
      const from = addDays(to, kind === 'weekly' ? -6 : -29);
      return api<CommandResult>('POST', '/v1/insights', { body: { type: kind, from, to } });
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: ['insights'] }),
  });

  return (
    <section>
      <h1>{t('insights.title')}</h1>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          request.mutate();
        }}
      >
        <div className="field">
          <label htmlFor={kindId}>{t('insights.kind')}</label>
          <select
            id={kindId}
            value={kind}
            onChange={(event) => setKind(kinds.find((k) => k === event.target.value) ?? 'weekly')}
          >
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(`insights.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <button type="submit" disabled={request.isPending}>
            {t('insights.request')}
          </button>
        </div>
      </form>
      {request.isError && <ErrorText message={inWords(t, request.error)} />}
      <Answer query={insights} empty={t('insights.empty')}>
        {(items) => (
          <ul className="insights" aria-label={t('insights.list')}>
            {items.map((insight) => (
              <li key={insight.id}>
                <h2>
                  {t(`insights.${insight.type}`)}{' '}
                  <small className="date">
                    {insight.from} – {insight.to}
                  </small>
                </h2>
                {insight.status === 'queued' ? (
                  <p className="hint">{t('insights.queued')}</p>
                ) : (
                  <p>{insight.summary ?? t('insights.noSummary')}</p>
                )}
              </li>
            ))}
          </ul>
        )}
      </Answer>
    </section>
  );
}
