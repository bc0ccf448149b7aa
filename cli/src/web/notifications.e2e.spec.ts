import t from 'tap';
import { openJournal } from './journal.js';

// Notifications in the browser: a reminder raised while the app is open shows in the nav's
// unread count at once (the live stream, no reload), is listed on its page, and is marked read.
t.test('a reminder shows in the nav without a reload, is listed, and is marked read', async (t) => {
  const journal = await openJournal(t, { REMINDER_CHECK_SECONDS: '0' });
  const { page, platform } = journal;
  await journal.call('PUT', '/v1/me/reminders', {
    enabled: true,
    time: '00:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  });
  await journal.open('/today', /./);
  const nav = page.getByRole('navigation');
  t.equal(await nav.getByText('1 unread').count(), 0, 'nothing unread yet');

  // Due now (00:00 has passed today, and the writer has not written): raised by the operator's command.
  const run = await platform.cliAsync(['notifications', 'run-due']);
  t.equal(run.status, 0, run.output);
  t.match(run.output, /1 raised/);
  await nav.getByLabel('1 unread').waitFor();
  t.pass('the unread count came over the live stream');

  await nav.getByRole('link', { name: /Notifications/ }).click();
  await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
  await page.getByRole('link', { name: /not written today/ }).waitFor();
  await journal.accessible('notifications');
  await page.getByRole('button', { name: /^Mark read: / }).click();
  await page.getByRole('button', { name: /^Mark read: / }).waitFor({ state: 'detached' });
  await nav.getByLabel('1 unread').waitFor({ state: 'detached' });
  const listed = await journal.call<{ unread: number; items: { kind: string; readAt: string | null }[] }>(
    'GET',
    '/v1/notifications',
  );
  t.match(listed, { unread: 0, items: [{ kind: 'reminder', readAt: String }] }, 'read on the server');
  t.same(journal.problems, [], 'no console error');
});
