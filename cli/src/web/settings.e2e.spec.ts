import t from 'tap';
import { openJournal } from './journal.js';

// Settings in the browser: the profile (name, time zone, language, theme) and the preferences
// are saved, survive a reload, and take effect at once (the app's language and colours).
t.test('settings: profile, language, theme and preferences are saved and applied', async (t) => {
  const journal = await openJournal(t);
  const { page } = journal;
  await journal.open('/settings', 'Settings');
  await journal.accessible('settings, light');

  await page.getByLabel('Display name').fill('Ana Lima');
  await page.getByLabel('Time zone').selectOption('Europe/Lisbon');
  await page.getByRole('radio', { name: 'Dark' }).check();
  const profile = page.getByRole('form', { name: 'Profile' });
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await profile.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  t.equal(await page.evaluate<string | undefined>('document.documentElement.dataset.theme'), 'dark');
  const background = () => page.evaluate<string>('getComputedStyle(document.body.parentElement).backgroundColor');
  t.equal(await background(), 'rgb(21, 22, 26)', 'the dark colours, whatever the system says');
  await journal.accessible('settings, dark');

  await page.getByLabel('Private mode: nothing I write is analysed by the AI').check();
  await page.getByLabel('Remind me by email to write').check();
  const preferences = page.getByRole('form', { name: 'Preferences' });
  await preferences.getByRole('button', { name: 'Save preferences' }).click();
  await preferences.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

  await page.reload();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  t.equal(await page.getByLabel('Display name').inputValue(), 'Ana Lima', 'the name is kept');
  t.equal(await page.getByLabel('Time zone').inputValue(), 'Europe/Lisbon');
  t.ok(await page.getByRole('radio', { name: 'Dark' }).isChecked(), 'the theme is kept');
  t.equal(await background(), 'rgb(21, 22, 26)', 'and applied after a reload');
  t.ok(await page.getByLabel('Private mode: nothing I write is analysed by the AI').isChecked());
  t.ok(await page.getByLabel('Remind me by email to write').isChecked());
  t.notOk(await page.getByLabel('Email me my weekly insights').isChecked());
  const me = await journal.call<{ settings: Record<string, boolean> }>('GET', '/v1/me');
  t.match(me.settings, { privateMode: true, emailReminderToWrite: true }, 'the server has them');

  // The reminder to write: on weekdays at 07:45, on the writer's own clock.
  const reminders = page.getByRole('form', { name: 'Reminder to write' });
  await reminders.getByLabel('Remind me to write').check();
  await reminders.getByLabel('At', { exact: true }).fill('07:45');
  await reminders.getByLabel('Sat').uncheck();
  await reminders.getByLabel('Sun').uncheck();
  await reminders.getByRole('button', { name: 'Save reminder' }).click();
  await reminders.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  t.ok(await reminders.getByLabel('Remind me to write').isChecked(), 'the reminder is kept');
  t.equal(await reminders.getByLabel('At', { exact: true }).inputValue(), '07:45');
  t.notOk(await reminders.getByLabel('Sun').isChecked());
  const kept = await journal.call<{ reminders: unknown }>('GET', '/v1/me');
  t.same(kept.reminders, { enabled: true, time: '07:45', days: ['mon', 'tue', 'wed', 'thu', 'fri'] });

  await page.getByLabel('Language').selectOption('pt');
  await page.getByRole('radio', { name: 'Light' }).check();
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('heading', { name: 'Definições', level: 1 }).waitFor();
  t.pass('the app speaks Portuguese at once');
  t.equal(await background(), 'rgb(253, 252, 250)', 'light colours');
  await page.getByRole('navigation').getByRole('link', { name: 'Hoje' }).waitFor();
  await journal.accessible('settings, in Portuguese');
  t.same(journal.problems, [], 'no console error');
});
