import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, download } from '../api/client';
import type { ActivityWeek, MoodDay } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText, Field } from '../components/Field';
import { Answer } from '../components/Answer';
import { Loading } from '../components/Loading';

const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);

/** For analysts: the cohort's daily mood and weekly activity (groups too small are left out), as charts and CSV. */
export default function Analytics() {
  const { t } = useTranslation();
  const [range, setRange] = useState({ from: day(30), to: day(0) });
  const [error, setError] = useState<string | null>(null);
  const query = new URLSearchParams(range).toString();
  const moods = useQuery({
    queryKey: ['analytics', 'mood', query],
    queryFn: ({ signal }) => api<{ items: MoodDay[] }>('GET', `/v1/analytics/mood/daily?${query}`, { signal }),
  });
  const activity = useQuery({
    queryKey: ['analytics', 'activity', query],
    queryFn: ({ signal }) =>
      api<{ items: ActivityWeek[] }>('GET', `/v1/analytics/activity/weekly?${query}`, { signal }),
  });
  const csv = (path: string, name: string) =>
    void download(`${path}?${query}`, 'text/csv', name).catch((failure: unknown) => setError(inWords(t, failure)));
  return (
    <section>
      <h1>{t('analytics.title')}</h1>
      <p className="hint">{t('analytics.hint')}</p>
      <div className="filters">
        <Field
          label={t('entries.from')}
          type="date"
          value={range.from}
          onChange={(e) => setRange({ ...range, from: e.target.value })}
        />
        <Field
          label={t('entries.to')}
          type="date"
          value={range.to}
          onChange={(e) => setRange({ ...range, to: e.target.value })}
        />
      </div>
      {error !== null && <ErrorText message={error} />}
      <h2>{t('analytics.mood')}</h2>
      {moods.isPending ? (
        <Loading />
      ) : moods.isError ? (
        <ErrorText message={inWords(t, moods.error)} />
      ) : moods.data.items.length === 0 ? (
        <p>{t('analytics.none')}</p>
      ) : (
        <>
          <figure className="chart" aria-label={t('analytics.mood')}>
            <ResponsiveContainer width="100%" height={240}>
              <LineChart data={moods.data.items}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" />
                <XAxis dataKey="day" stroke="var(--muted)" fontSize={12} />
                <YAxis domain={[-1, 1]} stroke="var(--muted)" />
                <Tooltip contentStyle={{ background: 'var(--panel)', color: 'var(--fg)' }} />
                <Line dataKey="avgMoodScore" name={t('analytics.score')} stroke="var(--accent)" />
              </LineChart>
            </ResponsiveContainer>
          </figure>
          <p role="status">{t('analytics.days', { count: moods.data.items.length })}</p>
        </>
      )}
      <button type="button" className="quiet" onClick={() => csv('/v1/analytics/mood/daily', 'mood-daily.csv')}>
        {t('analytics.moodCsv')}
      </button>
      <h2>{t('analytics.activity')}</h2>
      <Answer query={activity} empty={t('analytics.none')}>
        {(items) => (
          <figure className="chart" aria-label={t('analytics.activity')}>
            <ResponsiveContainer width="100%" height={240}>
              <BarChart data={items}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" />
                <XAxis dataKey="week" stroke="var(--muted)" fontSize={12} />
                <YAxis allowDecimals={false} stroke="var(--muted)" />
                <Tooltip contentStyle={{ background: 'var(--panel)', color: 'var(--fg)' }} />
                <Bar dataKey="users" name={t('analytics.users')} fill="var(--accent)" />
              </BarChart>
            </ResponsiveContainer>
          </figure>
        )}
      </Answer>
      <button
        type="button"
        className="quiet"
        onClick={() => csv('/v1/analytics/activity/weekly', 'activity-weekly.csv')}
      >
        {t('analytics.activityCsv')}
      </button>
    </section>
  );
}
