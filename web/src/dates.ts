import { currentUser } from './auth/session';

/** Today's date in a time zone (YYYY-MM-DD). */
export function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

/** Today where the writer lives (their profile's time zone, else the browser's). */
export function writersToday(): string {
  return todayIn(currentUser()?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
}

/** A date `days` days after (or before, when negative) another (YYYY-MM-DD, calendar days). */
export function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}
