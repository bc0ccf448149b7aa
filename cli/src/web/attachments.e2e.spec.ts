import t from 'tap';
import { waitFor } from '@mindflow/core/testing';
import { openJournal } from './journal.js';

// Today's place and weather, and its attachments: a file picked is uploaded with its progress and listed; an image gets
// its thumbnail a moment later, shown through its signed link; a file of another type is
// refused in words.
t.test('a picture attached to today’s entry is listed and shown by its thumbnail', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  await journal.open('/today', /Today/);
  await page.getByText('Give the entry a title and it is saved; then files can be attached.').waitFor();
  await page.getByLabel('Title').fill('Garden');
  await page.getByRole('textbox', { name: 'Entry' }).click();
  await page.keyboard.type('The roses are out.');
  await page.getByLabel('Place').fill('Porto');
  await page.getByLabel('Weather').fill('Sunny, 24 °C');
  await page
    .locator('.status')
    .filter({ hasText: /^Saved$/ })
    .waitFor({ timeout: 20_000 });

  const today = new Date().toISOString().slice(0, 10);
  const saved = await waitFor(
    async () =>
      (
        await journal.call<{ items: { location: string | null; weather: string | null }[] }>(
          'GET',
          `/v1/entries?from=${today}&to=${today}`,
        )
      ).items.find((item) => item.location !== null && item.weather !== null),
    10_000,
    'place and weather in the view',
  );
  t.match(saved, { location: 'Porto', weather: 'Sunny, 24 °C' }, 'place and weather are saved');

  // A real PNG: a corner of the page itself.
  const picture = await page.screenshot({ clip: { x: 0, y: 0, width: 160, height: 120 } });
  await page.getByLabel('Attach a file').setInputFiles({ name: 'roses.png', mimeType: 'image/png', buffer: picture });
  const list = page.getByRole('list', { name: 'Attached files' });
  await list.getByText('roses.png').waitFor();
  t.pass('the upload is listed');
  const thumbnail = list.getByRole('img', { name: 'roses.png' });
  await thumbnail.waitFor({ timeout: 30_000 });
  const loaded = await thumbnail.evaluate((element) => {
    const image = element as unknown as { complete: boolean; naturalWidth: number };
    return image.complete && image.naturalWidth > 0;
  });
  t.ok(loaded, 'its thumbnail loads');

  await page
    .getByLabel('Attach a file')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just words') });
  await page
    .getByRole('alert')
    .filter({ hasText: /^notes\.txt: / })
    .waitFor();
  t.pass('a text file is refused, in words');
  t.equal(await list.getByRole('listitem').count(), 1, 'and not listed');
  await journal.accessible('today with an attachment');
  t.same(
    journal.problems.filter((problem) => !problem.includes('status of 415')),
    [],
    'no other console error',
  );
});
