import t from 'tap';
import { openJournal } from './journal.js';

// The writer's other pages in the browser: the calendar of this month and on this day, the
// trends of their moods, search with highlighted matches, and insights requested and listed.
t.test('calendar, trends, search and insights show the writer their own journal', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = `${String(Number(today.slice(0, 4)) - 1)}${today.slice(4)}`;
  const leapDay = yearAgo.endsWith('-02-29') ? `${yearAgo.slice(0, 8)}28` : yearAgo;
  const write = (date: string, title: string, mood: string, content: string) =>
    journal.call<{ id: string }>('POST', '/v1/entries', { date, title, content, mood, tags: ['garden'] });
  await write(today, 'Figs ripening', 'happy', 'The fig tree by the wall is heavy with fruit.');
  await write(leapDay, 'Planting', 'neutral', 'A young tree went into the ground.');
  const sixtyDaysAgo = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
  await write(sixtyDaysAgo, 'Storm', 'sad', 'The wind broke a branch.');
  const longDate = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });

  await journal.open('/calendar', 'Calendar');
  const days = page.getByRole('list', { name: /\d{4}/ });
  await days.getByRole('link', { name: `${longDate.format(new Date(`${today}T00:00:00Z`))}: Happy` }).waitFor();
  t.pass("today is a link to its entry, named with the day's mood");
  if (leapDay === yearAgo) {
    await page.getByRole('region', { name: 'On this day' }).getByRole('link', { name: 'Planting' }).waitFor();
    t.pass('on this day lists the entry of a year ago');
  }
  await journal.accessible('calendar');

  await journal.open('/trends', 'Trends');
  await page.getByText('1 entry: 100% positive, 0% negative.').waitFor();
  t.pass('the last 30 days: one entry, positive');
  await page.getByRole('radio', { name: 'Last 90 days' }).check();
  await page.getByText('2 entries: 50% positive, 50% negative.').waitFor();
  t.pass('the last 90 days count the sad entry of 60 days ago too');
  await journal.accessible('trends');

  await journal.open('/search', 'Search');
  await page.getByRole('searchbox', { name: 'Search' }).fill('fig');
  const results = page.getByRole('list', { name: 'Results' });
  await results.getByRole('link', { name: 'Figs ripening' }).waitFor();
  t.equal(await results.getByRole('listitem').count(), 1, 'only the entry that holds the word');
  t.ok((await results.locator('mark').count()) > 0, 'the match is highlighted');
  await journal.accessible('search');

  await journal.open('/insights', 'Insights');
  await page.getByText('No insights yet. Request one.').waitFor();
  await page.getByRole('button', { name: 'Request an insight' }).click();
  await page
    .getByRole('list', { name: 'Your insights' })
    .getByRole('heading', { name: /Weekly/ })
    .waitFor();
  t.pass('a requested insight is listed');
  await journal.accessible('insights');

  t.same(journal.problems, [], 'no console error on any page');
});
