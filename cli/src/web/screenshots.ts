/**
 * `npm run screenshots`: the main pages of the web client, light and dark, as PNG files under
 * docs/screenshots/ (shown in the README). A platform of its own, a writer with three weeks of
 * entries, Debian's chromium. Run it after a change to how the app looks.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openJournal } from './journal.js';

const out = path.resolve(import.meta.dirname, '../../../docs/screenshots');
const pages = [
  ['today', '/today', /Today/],
  ['entries', '/entries', 'Entries'],
  ['calendar', '/calendar', 'Calendar'],
  ['trends', '/trends', 'Trends'],
  ['search', '/search', 'Search'],
  ['habits', '/habits', 'Habits'],
  ['notifications', '/notifications', 'Notifications'],
  ['settings', '/settings', 'Settings'],
] as const;
const moods = ['happy', 'neutral', 'ecstatic', 'sad', 'happy', 'anxious', 'happy'];
const topics = [
  ['Morning run', 'Ran **5 km** along the river before work. Cold air, clear head.', ['running', 'river']],
  ['Reading', 'Finished the second part of the novel. The ending surprised me.', ['books']],
  ['Market', 'Bought figs and bread; talked to the baker about the rain.', ['food', 'town']],
  ['Long day', 'Meetings from nine to six. Too tired to cook.', ['work']],
] as const;

const closers: (() => unknown)[] = [];
try {
  const journal = await openJournal({ teardown: (close) => void closers.push(close), same: () => true });
  const { page } = journal;
  for (let back = 20; back >= 0; back -= 1) {
    const date = new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
    const [title, content, tags] = topics[back % topics.length] ?? topics[0];
    await journal.call('POST', '/v1/entries', { date, title, content, mood: moods[back % moods.length], tags });
  }
  await journal.call('POST', '/v1/goals', { kind: 'entries-per-week', target: 5 });
  await journal.call('POST', '/v1/goals', { kind: 'words-per-day', target: 300 });
  await journal.call('POST', '/v1/templates', {
    name: 'Evening pages',
    title: 'This evening',
    content: 'What went well?',
  });
  await journal.call('POST', '/v1/prompts', { text: 'What did you notice on the way home?' });
  await mkdir(out, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [name, route, heading] of pages) {
      await journal.open(route, heading);
      if (name === 'search') await page.getByRole('searchbox', { name: 'Search' }).fill('figs');
      // Not 'networkidle': the live updates' stream stays open.
      await page.waitForLoadState('load');
      await page.waitForTimeout(1_000);
      const file = path.join(out, `${name}-${scheme}.png`);
      await page.screenshot({ path: file });
      console.log(file);
    }
  }
} finally {
  for (const close of closers.reverse()) await close();
}
