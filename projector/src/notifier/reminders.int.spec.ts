import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring } from '@mindflow/core/crypto';
import type { HttpServer } from '@mindflow/core/http';
import { readWholeLog, silentLogger } from '@mindflow/core/testing';
import t from 'tap';
import { signedInWriters } from '../testing.js';
import { raiseDueReminders, reminderTitle } from './reminders.js';
import { createDecoder } from '@mindflow/core/projections';

const commands = await commandServiceForTest();
t.teardown(() => commands.close());
const { app, db } = commands;
const keyring = createUserKeyring(testSecrets.masterKey);
const deps = { writeDb: db, keyring, logger: silentLogger() };
const decode = createDecoder(keyring, db);

interface Writer {
  id: string;
  token: string;
  password: string;
}
const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

async function send(app: HttpServer, writer: Writer, method: 'PUT' | 'POST' | 'DELETE', url: string, payload: object) {
  return app.inject({ method, url, headers: { authorization: `Bearer ${writer.token}` }, payload });
}

async function writerIn(timezone: string, reminders: object = { enabled: true, time: '20:30', days: everyDay }) {
  const [writer] = await signedInWriters(app, 1, timezone);
  if (writer === undefined) throw new Error('a writer');
  const set = await send(app, writer, 'PUT', '/v1/me/reminders', reminders);
  if (set.statusCode !== 200) throw new Error(`PUT /v1/me/reminders: ${set.body}`);
  return writer;
}

/** The reminders in the log, as `<userId> <local day of its claim>`, oldest first. */
async function reminders(...writers: Writer[]): Promise<string[]> {
  const ids = new Set(writers.map((writer) => writer.id));
  const raised = (await readWholeLog(db)).filter(
    (event) => event.type === 'NotificationRaised' && event.data.kind === 'reminder' && ids.has(event.userId ?? ''),
  );
  const days = await db
    .selectFrom('reminder_sends')
    .select(['user_id', 'local_date', 'notification_id'])
    .where(
      'user_id',
      'in',
      writers.map((writer) => writer.id),
    )
    .execute();
  return raised.map((event) => {
    const day = days.find((row) => row.notification_id === event.data.notificationId);
    return `${event.userId ?? ''} ${day?.local_date ?? 'unclaimed'}`;
  });
}

t.test('PUT /v1/me/reminders: checked, kept with the settings, recorded as an event', async (t) => {
  const [writer] = await signedInWriters(app, 1);
  if (writer === undefined) throw new Error('a writer');
  for (const body of [
    { enabled: true, time: '24:00', days: everyDay },
    { enabled: true, time: '8:30', days: everyDay },
    { enabled: true, time: '20:30', days: ['monday'] },
    { enabled: true, time: '20:30', days: ['mon', 'mon'] },
    { enabled: true, time: '20:30' },
    { enabled: true, time: '20:30', days: everyDay, email: true },
  ]) {
    const answer = await send(app, writer, 'PUT', '/v1/me/reminders', body);
    t.equal(answer.statusCode, 400, `${JSON.stringify(body)} is refused by the schema`);
    t.match(answer.json(), { error: { code: 'VALIDATION_FAILED' } });
  }
  const none = await send(app, writer, 'PUT', '/v1/me/reminders', { enabled: true, time: '20:30', days: [] });
  t.equal(none.statusCode, 422, 'on, but on no day');
  t.match(none.json(), { error: { code: 'VALIDATION_RULE', details: [{ path: 'days' }] } });

  const set = await send(app, writer, 'PUT', '/v1/me/reminders', {
    enabled: true,
    time: '07:15',
    days: ['sun', 'mon'],
  });
  t.equal(set.statusCode, 200, set.body);
  const row = await db
    .selectFrom('user_settings')
    .selectAll()
    .where('user_id', '=', writer.id)
    .executeTakeFirstOrThrow();
  t.match(row, { reminder_enabled: true, reminder_time: '07:15:00', reminder_days: ['mon', 'sun'] });
  const event = (await readWholeLog(db)).findLast((e) => e.type === 'RemindersSet' && e.userId === writer.id);
  t.same(event?.data, { enabled: true, time: '07:15', days: ['mon', 'sun'] }, 'days in week order');

  const anonymous = await app.inject({
    method: 'PUT',
    url: '/v1/me/reminders',
    payload: { enabled: false, time: '07:15', days: [] },
  });
  t.equal(anonymous.statusCode, 401);
});

t.test('at the writer’s own local time, in two time zones, once a day', async (t) => {
  const tokyo = await writerIn('Asia/Tokyo');
  const newYork = await writerIn('America/New_York');
  const off = await writerIn('Asia/Tokyo', { enabled: false, time: '20:30', days: everyDay });
  const both = [tokyo, newYork, off];

  // 20:30 in Tokyo (UTC+9) is 11:30Z; in New York (UTC-5 in January) 01:30Z the next UTC day.
  await raiseDueReminders(deps, new Date('2027-01-12T11:29:59Z'));
  t.same(await reminders(...both), [], 'a second early: none');
  await raiseDueReminders(deps, new Date('2027-01-12T11:30:00Z'));
  t.same(await reminders(...both), [`${tokyo.id} 2027-01-12`], 'Tokyo’s at 20:30 there');
  await raiseDueReminders(deps, new Date('2027-01-12T14:59:00Z'));
  t.same(await reminders(...both), [`${tokyo.id} 2027-01-12`], 'not twice the same day, however late the run');

  await raiseDueReminders(deps, new Date('2027-01-13T01:29:00Z'));
  t.same(await reminders(...both), [`${tokyo.id} 2027-01-12`], 'New York at 20:29: none');
  await raiseDueReminders(deps, new Date('2027-01-13T01:30:00Z'));
  t.same(
    await reminders(...both),
    [`${tokyo.id} 2027-01-12`, `${newYork.id} 2027-01-12`],
    'New York’s at 20:30 on the 12th there, on the 13th in UTC',
  );
  // 15:00Z on the 13th is past midnight in Tokyo: a new day there, and 00:00 is before 20:30.
  await raiseDueReminders(deps, new Date('2027-01-13T15:00:00Z'));
  t.equal((await reminders(...both)).length, 2, 'a new day in Tokyo, but not yet 20:30 there');

  const raised = (await readWholeLog(db)).find((e) => e.type === 'NotificationRaised' && e.userId === tokyo.id);
  if (raised === undefined) throw new Error('raised');
  const opened = await decode(raised);
  t.match(opened.data, { kind: 'reminder', severity: null, title: reminderTitle, subjectId: null });
  t.not(raised.data.title, reminderTitle, 'the title is sealed in the store');
});

t.test('across a daylight-saving change: still 20:30 on the writer’s clock', async (t) => {
  const lisbon = await writerIn('Europe/Lisbon');
  // Lisbon moves from UTC+0 to UTC+1 at 01:00Z on Sunday 28 March 2027.
  await raiseDueReminders(deps, new Date('2027-03-27T20:29:00Z'));
  t.same(await reminders(lisbon), [], 'Saturday 20:29 (UTC+0)');
  await raiseDueReminders(deps, new Date('2027-03-27T20:30:00Z'));
  t.same(await reminders(lisbon), [`${lisbon.id} 2027-03-27`], 'Saturday 20:30 is 20:30Z');
  await raiseDueReminders(deps, new Date('2027-03-28T19:29:00Z'));
  t.same(await reminders(lisbon), [`${lisbon.id} 2027-03-27`], 'Sunday 20:29 (UTC+1) is 19:29Z: none yet');
  await raiseDueReminders(deps, new Date('2027-03-28T19:30:00Z'));
  t.same(
    await reminders(lisbon),
    [`${lisbon.id} 2027-03-27`, `${lisbon.id} 2027-03-28`],
    'Sunday 20:30 is 19:30Z after the change',
  );
});

t.test('none on a day with an entry, none on a day not chosen, none once turned off', async (t) => {
  const wrote = await writerIn('Europe/Lisbon');
  const weekdaysOnly = await writerIn('Europe/Lisbon', {
    enabled: true,
    time: '20:30',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  });
  const turnedOff = await writerIn('Europe/Lisbon');
  const entry = await send(app, wrote, 'POST', '/v1/entries', {
    date: '2027-02-06',
    title: 'Saturday',
    content: 'A walk.',
  });
  t.equal(entry.statusCode, 201, entry.body);
  const off = await send(app, turnedOff, 'PUT', '/v1/me/reminders', { enabled: false, time: '20:30', days: everyDay });
  t.equal(off.statusCode, 200);

  await raiseDueReminders(deps, new Date('2027-02-06T21:00:00Z')); // Saturday
  t.same(await reminders(wrote, weekdaysOnly, turnedOff), [], 'Saturday: written, not chosen, off');
  await raiseDueReminders(deps, new Date('2027-02-08T21:00:00Z')); // Monday
  t.same(
    (await reminders(wrote, weekdaysOnly, turnedOff)).sort(),
    [`${wrote.id} 2027-02-08`, `${weekdaysOnly.id} 2027-02-08`].sort(),
    'Monday: the two still on',
  );
});

t.test('several runs at once (workers, a run-due beside the scheduler): one reminder each', async (t) => {
  const writers = await Promise.all([1, 2, 3, 4, 5].map(() => writerIn('Europe/Paris')));
  const at = new Date('2027-05-04T19:00:00Z'); // 21:00 in Paris (UTC+2)
  const before = await db
    .selectFrom('reminder_sends')
    .select(db.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const runs = await Promise.all([1, 2, 3, 4].map(() => raiseDueReminders(deps, at)));
  const after = await db
    .selectFrom('reminder_sends')
    .select(db.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  t.equal(
    runs.reduce((sum, run) => sum + run.raised, 0),
    Number(after.n) - Number(before.n),
    'the runs together raised each day claimed once',
  );
  t.same(
    (await reminders(...writers)).sort(),
    writers.map((writer) => `${writer.id} 2027-05-04`).sort(),
    'one per writer in the log',
  );
});

t.test('an erased writer gets none, and their claims go with them', async (t) => {
  const erased = await writerIn('UTC');
  await raiseDueReminders(deps, new Date('2027-06-01T20:30:00Z'));
  t.equal((await reminders(erased)).length, 1);
  const gone = await send(app, erased, 'DELETE', '/v1/me', { password: erased.password });
  t.equal(gone.statusCode, 202, gone.body);
  await raiseDueReminders(deps, new Date('2027-06-02T20:30:00Z'));
  t.equal((await reminders(erased)).length, 1, 'none on the next day: the one before only');
  t.same(await db.selectFrom('reminder_sends').selectAll().where('user_id', '=', erased.id).execute(), []);
});
