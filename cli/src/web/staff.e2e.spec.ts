import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import t from 'tap';
import { waitFor } from '@mindflow/core/testing';
import { openJournal } from './journal.js';

const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };

/** What a click on `button` downloads, as text. */
async function downloaded(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFile(await file.path(), 'utf8');
}

// Staff pages in the browser: a writer sees neither; once granted the roles, a compliance
// officer searches the audit logs, verifies the chain and exports CSV, and an analyst sees the
// cohort's daily mood and weekly activity and downloads them as CSV.
t.test('compliance and analytics pages, for those with the role only', async (t) => {
  const journal = await openJournal(t);
  const { page, platform } = journal;
  const today = new Date().toISOString().slice(0, 10);
  await journal.call('POST', '/v1/entries', { date: today, title: 'Mine', content: 'A good day.', mood: 'happy' });
  // A second writer on the same day, so that the day's group reaches the minimum of 2.
  const other = { email: 'bruno@example.com', password: 'another long password' };
  await fetch(`${platform.base}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...other, displayName: 'Bruno', timezone: 'UTC', consent }),
  });
  const login = await fetch(`${platform.base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(other),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const written = await fetch(`${platform.base}/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ date: today, title: 'His', content: 'A tiring day.', mood: 'sad' }),
  });
  t.equal(written.status, 201);

  await journal.open('/compliance', 'Compliance');
  await page.getByRole('alert').filter({ hasText: /\w/ }).waitFor();
  t.pass('a writer is refused, in words');
  t.equal(await page.getByRole('link', { name: 'Compliance' }).count(), 0, 'and has no link to it');

  for (const role of ['compliance', 'analyst']) {
    const granted = platform.cli(['admin', 'grant', journal.email, role]);
    t.equal(granted.status, 0, granted.output);
  }
  t.equal(platform.cli(['analytics', 'min-group-size', '2']).status, 0);
  await waitFor(
    async () => {
      await page.reload();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      return (await page.getByRole('link', { name: 'Analytics' }).count()) > 0 ? true : undefined;
    },
    20_000,
    'the staff links',
  );

  await page.getByRole('link', { name: 'Compliance' }).click();
  const records = page.getByRole('table', { name: 'Audit records, newest first' });
  await records.waitFor();
  t.ok((await records.getByRole('row').count()) > 1, 'audit records are listed');
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await page.getByText(/^The chain holds: \d+ records on 1 days checked\.$/).waitFor();
  t.pass('the chain is verified');
  const csv = await downloaded(page, 'Export CSV');
  t.match(csv.split('\n')[0], /eventId/, 'a CSV of the records, with its header');
  await journal.accessible('compliance');

  // Every compliance query is audited itself: enough of them for a second page of records.
  for (let query = 0; query < 55; query += 1) await journal.call('GET', '/v1/audit/logs?limit=1');
  await page.reload();
  await records.waitFor();
  t.equal(await records.getByRole('row').count(), 51, 'a page of 50 records, and the header');
  await page.getByRole('button', { name: 'Older records' }).click();
  await waitFor(
    async () => ((await records.getByRole('row').count()) > 51 ? true : undefined),
    10_000,
    'older records',
  );
  t.pass('older records follow on the same list');

  await page.getByRole('link', { name: 'Analytics' }).click();
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  // The analytics projection follows the entries a moment later: the page is read again until
  // it shows the day (each time once its answer is in).
  await waitFor(
    async () => {
      await page
        .getByText(/ shown$|^No group large enough/)
        .first()
        .waitFor();
      if ((await page.getByText('1 day shown').count()) > 0) return true;
      await page.reload();
      return undefined;
    },
    30_000,
    "today's group of two",
  );
  t.pass("today's moods are shown, the two writers being a group large enough");
  const moods = await downloaded(page, 'Download mood per day (CSV)');
  t.match(moods, new RegExp(today), 'the CSV holds the day');
  await journal.accessible('analytics');
  t.same(
    journal.problems.filter((problem) => !problem.includes('status of 403')),
    [],
    'no other console error',
  );
});
