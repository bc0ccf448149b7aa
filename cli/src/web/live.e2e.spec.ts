import t from 'tap';
import { waitFor } from '@mindflow/core/testing';
import { openJournal } from './journal.js';

// Live updates in the browser: what another device writes shows on the open page, no reload.
t.test("another device's entry, its edit and its deletion show on the open list without a reload", async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  await journal.open('/entries', 'Entries');
  const list = page.getByRole('list', { name: 'Your entries' });
  const shows = (title: string) =>
    waitFor(async () => ((await list.getByRole('link', { name: title }).count()) > 0 ? true : undefined), 10_000, title)
      .then(() => true)
      .catch(() => false);
  let reloads = 0;
  page.on('load', () => (reloads += 1));

  // The phone: the same writer, through the API.
  const { id } = await journal.call<{ id: string }>('POST', '/v1/entries', {
    date: '2026-04-01',
    title: 'Written on the phone',
    content: 'On the bus.',
    mood: 'happy',
  });
  t.ok(await shows('Written on the phone'), 'the new entry appears');
  await journal.call('PATCH', `/v1/entries/${id}`, { title: 'Edited on the phone' }, { 'if-match': '"1"' });
  const edited = await shows('Edited on the phone');
  t.ok(edited, 'its edit appears');
  await journal.call('DELETE', `/v1/entries/${id}`);
  const gone = await waitFor(
    async () => ((await list.getByRole('link', { name: 'Edited on the phone' }).count()) === 0 ? true : undefined),
    10_000,
    'deleted',
  ).catch(() => false);
  t.ok(edited && gone, 'and it goes when deleted');
  t.equal(reloads, 0, 'the page was never reloaded');
});
