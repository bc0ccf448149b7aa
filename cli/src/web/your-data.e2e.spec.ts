import { readFile } from 'node:fs/promises';
import t from 'tap';
import { openJournal } from './journal.js';

// The writer's data in the browser: an export with its progress downloads a ZIP; that ZIP,
// imported back, is checked first (its entry exists: skipped, nothing written); the account is
// deleted with the password, the receipt shown, and the login no longer works.
t.test('your data: export downloads a ZIP, an import is checked first, the account is deleted', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  await journal.call('POST', '/v1/entries', { date: '2026-06-01', title: 'Swim', content: 'Cold sea.', mood: 'happy' });
  await journal.open('/your-data', 'Your data');
  await journal.accessible('your data');

  await page.getByRole('button', { name: 'Export my journal' }).click();
  const link = page.getByRole('link', { name: 'Download the ZIP' });
  await link.waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const zip = await readFile(await download.path());
  t.equal(zip.subarray(0, 2).toString('latin1'), 'PK', 'a ZIP is downloaded');

  await page
    .getByLabel('ZIP to import')
    .setInputFiles({ name: 'export.zip', mimeType: 'application/zip', buffer: zip });
  await page.getByRole('button', { name: 'Check the file' }).click();
  await page.getByText('0 entries would be created, 1 skipped, 0 rejected.').waitFor();
  t.pass('the dry run says the entry is there already');
  t.equal(await page.getByRole('button', { name: 'Import now' }).count(), 0, 'nothing to import');

  const remove = page.getByRole('button', { name: 'Delete my account now' });
  t.ok(await remove.isDisabled(), 'not before the password and the confirmation');
  await page.getByLabel('Password').fill('not my password at all');
  await page.getByLabel('I understand that this cannot be undone').check();
  await remove.click();
  await page.getByRole('alert').filter({ hasText: /\w/ }).waitFor();
  t.pass('a wrong password is refused in words');
  await page.getByLabel('Password').fill(journal.password);
  await remove.click();
  await page.getByRole('heading', { name: 'Your account is deleted' }).waitFor();
  await page.getByText('Destroyed: nothing you wrote can be read any more').waitFor();
  await journal.accessible('the receipt');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { name: 'Create your journal', level: 1 }).waitFor();

  const login = await fetch(`${journal.platform.base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: journal.email, password: journal.password }),
  });
  t.equal(login.status, 401, 'the account is gone');
  t.same(
    journal.problems.filter((problem) => !/status of 40[13]/.test(problem)),
    [],
    'no other console error',
  );
});
