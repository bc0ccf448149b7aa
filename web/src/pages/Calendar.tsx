import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { CalendarMonth, Entry } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Loading } from '../components/Loading';
import { writersToday } from '../dates';

/** Monday first: the offset of a date's weekday in the grid. */
const weekdayOffset = (date: string) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;

/** A month of days coloured by mood (a day with an entry opens it), and on this day in earlier years. */
export default function Calendar() {
  const { t, i18n } = useTranslation();
  const today = writersToday();
  const [month, setMonth] = useState(() => ({ year: Number(today.slice(0, 4)), month: Number(today.slice(5, 7)) }));
  const calendar = useQuery({
    queryKey: ['entries', 'calendar', month.year, month.month],
    queryFn: ({ signal }) =>
      api<CalendarMonth>('GET', `/v1/calendar/${String(month.year)}/${String(month.month)}`, { signal }),
  });
  const step = (by: number) => {
    const index = month.year * 12 + month.month - 1 + by;
    setMonth({ year: Math.floor(index / 12), month: (index % 12) + 1 });
  };
  // A day's name for assistive technology holds its visible number ("December 5, 2026").
  const longDate = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long', timeZone: 'UTC' });
  const title = new Intl.DateTimeFormat(i18n.language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(month.year, month.month - 1, 1)),
  );
  const weekdays = [...Array(7).keys()].map((day) =>
    new Intl.DateTimeFormat(i18n.language, { weekday: 'short', timeZone: 'UTC' }).format(
      new Date(Date.UTC(2024, 0, 1 + day)),
    ),
  );

  return (
    <section>
      <h1>{t('calendar.title')}</h1>
      <div className="actions month">
        <button type="button" className="quiet" onClick={() => step(-1)}>
          {t('calendar.previous')}
        </button>
        <h2 aria-live="polite">{title}</h2>
        <button type="button" className="quiet" onClick={() => step(1)}>
          {t('calendar.next')}
        </button>
      </div>
      {calendar.isPending ? (
        <Loading />
      ) : calendar.isError ? (
        <ErrorText message={inWords(t, calendar.error)} />
      ) : (
        <ol className="calendar" aria-label={title}>
          {weekdays.map((day) => (
            <li key={day} className="weekday" aria-hidden="true">
              {day}
            </li>
          ))}
          {calendar.data.days.map((day, index) => {
            const label = `${longDate.format(new Date(`${day.date}T00:00:00Z`))}${day.mood === null ? '' : `: ${t(`mood.${day.mood}`)}`}`;
            return (
              <li
                key={day.date}
                className={[
                  'day',
                  day.mood === null ? '' : `mood-${day.mood}`,
                  day.date === today ? 'today' : '',
                  index === 0 ? `start-${String(weekdayOffset(day.date) + 1)}` : '',
                ].join(' ')}
              >
                {day.entryId === null ? (
                  <span aria-label={label}>{Number(day.date.slice(8))}</span>
                ) : (
                  <Link to="/entries/$id" params={{ id: day.entryId }} aria-label={label}>
                    {Number(day.date.slice(8))}
                  </Link>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <OnThisDay />
    </section>
  );
}

/** The writer's entries from this day in earlier years. */
function OnThisDay() {
  const { t } = useTranslation();
  const found = useQuery({
    queryKey: ['entries', 'on-this-day'],
    queryFn: ({ signal }) => api<{ date: string; items: Entry[] }>('GET', '/v1/entries/on-this-day', { signal }),
  });
  return (
    <section aria-labelledby="on-this-day">
      <h2 id="on-this-day">{t('calendar.onThisDay')}</h2>
      {found.isPending ? (
        <Loading />
      ) : found.isError ? (
        <ErrorText message={inWords(t, found.error)} />
      ) : found.data.items.length === 0 ? (
        <p className="hint">{t('calendar.nothingOnThisDay')}</p>
      ) : (
        <ul className="entries">
          {found.data.items.map((entry) => (
            <li key={entry.id}>
              <span className="date">{entry.date}</span>
              <Link className="title" to="/entries/$id" params={{ id: entry.id }}>
                {entry.title}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
