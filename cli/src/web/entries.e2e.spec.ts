import t from 'tap';
import { waitFor } from '@mindflow/core/testing';
import { openJournal } from './journal.js';

// The writer's entries in the browser: the list filtered, one entry opened, edited, deleted,
// restored from the trash, and its history (versions, the entry at one, a diff).
t.test('entries: filters, open, edit, delete, restore from the trash; history with a diff', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  const write = (date: string, title: string, mood: string, tags: string[]) =>
    journal.call<{ id: string }>('POST', '/v1/entries', { date, title, content: `About ${title}.`, mood, tags });
  await write('2026-01-05', 'Skating', 'happy', ['sport']);
  await write('2026-02-10', 'Rainy', 'sad', ['weather']);
  const { id } = await write('2026-03-15', 'Market', 'happy', ['food', 'town']);

  await journal.open('/entries', 'Entries');
  const list = page.getByRole('list', { name: 'Your entries' });
  const titles = () => list.getByRole('link').allTextContents();
  /** The list shows these titles (it settles after a filter changes), within 10 s. */
  const shows = async (expected: string[], message: string) => {
    const wanted = JSON.stringify(expected);
    const seen = await waitFor(
      async () => ((await list.isVisible()) && JSON.stringify(await titles()) === wanted ? true : undefined),
      10_000,
      message,
    ).catch(() => false);
    t.same(seen ? expected : await titles(), expected, message);
  };
  await shows(['Market', 'Rainy', 'Skating'], 'newest first');
  await journal.accessible('entries');

  await page.getByLabel('Filter by mood').selectOption({ label: 'Sad' });
  await shows(['Rainy'], 'by mood');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByLabel('Filter by tag').fill('food');
  await shows(['Market'], 'by tag');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByLabel('From').fill('2026-01-01');
  await page.getByLabel('To').fill('2026-02-28');
  await shows(['Rainy', 'Skating'], 'by dates');
  await page.getByLabel('Filter by mood').selectOption({ label: 'Happy' });
  await shows(['Skating'], 'filters combine');
  await page.getByRole('button', { name: 'Clear filters' }).click();

  await list.getByRole('link', { name: 'Market' }).click();
  await page.getByRole('heading', { name: /Market/, level: 1 }).waitFor();
  t.equal(await page.getByRole('region', { name: 'Entry text' }).textContent(), 'About Market.');
  await journal.accessible('an entry');
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Title').fill('Market day');
  await page.getByRole('textbox', { name: 'Entry' }).click();
  await page.keyboard.press('End');
  await page.keyboard.type(' Bought figs.');
  await page
    .locator('.status')
    .filter({ hasText: /^Saved$/ })
    .waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { name: /Market day/, level: 1 }).waitFor();

  await page.getByRole('link', { name: 'History' }).click();
  const versions = page.getByRole('list', { name: 'Versions' }).getByRole('listitem');
  await versions.nth(1).waitFor();
  t.equal(await versions.count(), 2, 'two versions after one edit');
  t.match(await versions.nth(1).textContent(), /Version 2.*changed.*title, content/, 'what the edit changed');
  const diff = page.getByLabel('Changes from version 1 to version 2');
  await diff.waitFor();
  t.match(await diff.locator('ins').allTextContents(), [/day/, /figs/], 'the diff marks what was added');
  await page.getByRole('button', { name: 'Show version 1' }).click();
  const first = page.getByRole('region', { name: 'As it was at version 1' });
  await first.getByRole('heading', { name: /^Market / }).waitFor();
  t.equal(await first.getByRole('region', { name: 'Entry text' }).textContent(), 'About Market.', 'version 1');
  await journal.accessible('history');

  await page.getByRole('link', { name: 'Back to the entry' }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('heading', { name: 'Entry deleted' }).waitFor();
  await page.getByRole('link', { name: 'Trash' }).click();
  await page.getByRole('heading', { name: 'Trash' }).waitFor();
  await journal.accessible('trash');
  await page.getByRole('button', { name: 'Restore Market day' }).click();
  await page.getByText('The trash is empty.').waitFor();
  await journal.open('/entries', 'Entries');
  await list.getByRole('link', { name: 'Market day' }).waitFor();
  t.pass('restored, it is back in the list');
  t.ok((await journal.call<{ title: string }>('GET', `/v1/entries/${id}`)).title === 'Market day');
  t.same(journal.problems, [], 'no console errors');
});
