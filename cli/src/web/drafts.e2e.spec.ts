import t from 'tap';
import { waitFor } from '@mindflow/core/testing';
import { openJournal } from './journal.js';

// Drafts on the device: what is written while the connection is lost is sent when it is back,
// and a draft the server never got (its save failed, then the page was reloaded) is taken up
// again and sent. Nothing written is lost.
t.test('a draft survives going offline and a reload, and is sent after', async (t) => {
  const journal = await openJournal(t);
  const { page, context } = journal;
  const today = new Date().toISOString().slice(0, 10);
  const status = page.locator('.status');
  const saved = () => status.filter({ hasText: /^Saved$/ }).waitFor({ timeout: 20_000 });
  const serverContent = async () =>
    (await journal.call<{ items: { content: string }[] }>('GET', `/v1/entries?from=${today}&to=${today}`)).items[0]
      ?.content;
  /** The server's content once it is `expected` (the views follow the command a moment later). */
  const serverHas = async (expected: string) =>
    (await waitFor(async () => ((await serverContent()) === expected ? true : undefined), 10_000, expected).catch(
      () => false,
    ))
      ? expected
      : await serverContent();
  const typeAtEnd = async (text: string) => {
    await page.getByRole('textbox', { name: 'Entry' }).click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(text);
  };

  await journal.open('/today', 'Today');
  await page.getByLabel('Title').fill('A day with no signal');
  await typeAtEnd('First words.');
  await saved();

  await context.setOffline(true);
  await typeAtEnd(' Written offline.');
  await status.filter({ hasText: /^Offline: kept on this device/ }).waitFor({ timeout: 20_000 });
  t.equal(await serverContent(), 'First words.', 'the server does not have it yet');
  await context.setOffline(false);
  await saved();
  t.equal(
    await serverHas('First words. Written offline.'),
    'First words. Written offline.',
    'sent once the connection is back',
  );

  // A save that never reaches the server, then a reload: the draft is on the device.
  await page.route('**/v1/entries/*', (route) =>
    route.request().method() === 'PATCH' ? route.abort('internetdisconnected') : route.fallback(),
  );
  await typeAtEnd(' After a reload.');
  await status.filter({ hasText: /^Offline/ }).waitFor({ timeout: 20_000 });
  await page.unroute('**/v1/entries/*');
  await page.reload();
  await page.getByRole('heading', { name: /Today/, level: 1 }).waitFor();
  await saved();
  t.equal(
    await serverHas('First words. Written offline. After a reload.'),
    'First words. Written offline. After a reload.',
    'taken up again and sent',
  );
  t.equal(
    await page.getByRole('textbox', { name: 'Entry' }).textContent(),
    'First words. Written offline. After a reload.',
  );
  t.same(
    journal.problems.filter((problem) => !problem.includes('ERR_INTERNET_DISCONNECTED')),
    [],
    'no console error besides the requests that could not go out',
  );
});
