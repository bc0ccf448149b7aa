import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Rectangle,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type BarShapeProps,
} from 'recharts';
import { api } from '../api/client';
import { moods, type MoodTrend, type Streaks } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Loading } from '../components/Loading';

const periods = [7, 30, 90, 365] as const;
type Period = (typeof periods)[number];

/** The moods of the last 7, 30, 90 or 365 days as a chart (and a table), with streaks and totals. */
export default function Trends() {
  const { t } = useTranslation();
  const [days, setDays] = useState<Period>(30);
  const trend = useQuery({
    queryKey: ['entries', 'trend', days],
    queryFn: ({ signal }) => api<MoodTrend>('GET', `/v1/moods/trend?days=${String(days)}`, { signal }),
  });
  const streaks = useQuery({
    queryKey: ['entries', 'streaks'],
    queryFn: ({ signal }) => api<Streaks>('GET', '/v1/streaks', { signal }),
  });
  const data = moods.map((mood) => ({ mood, name: t(`mood.${mood}`), count: trend.data?.counts[mood] ?? 0 }));

  return (
    <section>
      <h1>{t('trends.title')}</h1>
      {streaks.isSuccess && (
        <dl className="totals">
          <div>
            <dt>{t('trends.currentStreak')}</dt>
            <dd>{t('trends.days', { count: streaks.data.currentStreak })}</dd>
          </div>
          <div>
            <dt>{t('trends.longestStreak')}</dt>
            <dd>{t('trends.days', { count: streaks.data.longestStreak })}</dd>
          </div>
          <div>
            <dt>{t('trends.totalEntries')}</dt>
            <dd>{streaks.data.totalEntries}</dd>
          </div>
          <div>
            <dt>{t('trends.totalWords')}</dt>
            <dd>{streaks.data.totalWords}</dd>
          </div>
        </dl>
      )}
      <div className="periods" role="radiogroup" aria-label={t('trends.period')}>
        {periods.map((period) => (
          <label key={period} className="mood">
            <input type="radio" name="period" checked={days === period} onChange={() => setDays(period)} />
            {t('trends.lastDays', { count: period })}
          </label>
        ))}
      </div>
      {trend.isPending ? (
        <Loading />
      ) : trend.isError ? (
        <ErrorText message={inWords(t, trend.error)} />
      ) : (
        <>
          <p>
            {t('trends.summary', {
              count: trend.data.entries,
              positive: Math.round(trend.data.positive),
              negative: Math.round(trend.data.negative),
            })}
          </p>
          <figure className="chart" aria-label={t('trends.chart')}>
            <ResponsiveContainer width="100%" height={260}>
              <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: -16 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" />
                <XAxis dataKey="name" stroke="var(--muted)" interval={0} fontSize={12} />
                <YAxis allowDecimals={false} stroke="var(--muted)" />
                <Tooltip contentStyle={{ background: 'var(--panel)', color: 'var(--fg)' }} />
                <Bar
                  dataKey="count"
                  name={t('trends.entries')}
                  shape={(bar: BarShapeProps) => (
                    <Rectangle {...bar} fill={`var(--mood-${(bar.payload as { mood: string }).mood})`} />
                  )}
                />
              </BarChart>
            </ResponsiveContainer>
          </figure>
          <table className="counts">
            <caption>{t('trends.table')}</caption>
            <tbody>
              {data.map((row) => (
                <tr key={row.mood}>
                  <th scope="row">{row.name}</th>
                  <td>{row.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
