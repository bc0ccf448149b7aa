import { randomUUID } from 'node:crypto';
import { smtpServerForTest, waitFor, type ReceivedMail } from '@mindflow/core/testing';
import t from 'tap';
import { startEmbeddedPlatform } from './testing/embedded-platform.js';

// A platform, restarted once, and a dozen CLI runs: more than the default time of a file.
t.setTimeout(480_000);

// `npm start` as a writer runs it, with email through a real SMTP server this test runs, and
// reminders raised only when the test says (`mindflow notifications run-due --at`).
const smtp = await smtpServerForTest();
const platform = await startEmbeddedPlatform({
  SMTP_URL: smtp.url,
  SMTP_TIMEOUT_MS: '30000',
  REMINDER_CHECK_SECONDS: '0',
});
t.teardown(async () => {
  await platform.close();
  await smtp.close();
});
const { base } = platform;

interface Writer {
  readonly id: string;
  readonly email: string;
  readonly token: string;
}

async function call(writer: Writer | undefined, method: string, url: string, body?: object, position?: number) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(writer === undefined ? {} : { authorization: `Bearer ${writer.token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(position === undefined ? {} : { 'x-min-position': String(position) }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** A writer in `timezone` who asked for the reminder email, reminded at 20:30 every day. */
async function writer(timezone: string): Promise<Writer> {
  const email = `${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const registered = await call(undefined, 'POST', '/v1/auth/register', {
    email,
    password,
    displayName: 'Writer',
    timezone,
    consent,
  });
  if (registered.status !== 201) throw new Error(registered.text);
  const session = (await call(undefined, 'POST', '/v1/auth/login', { email, password })).json() as {
    accessToken: string;
    user: { id: string };
  };
  const who = { id: session.user.id, email, token: session.accessToken };
  const settings = {
    autoSave: true,
    privateMode: false,
    emailWeeklyInsights: false,
    emailMonthlyInsights: false,
    emailReminderToWrite: true,
  };
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  for (const [url, body] of [
    ['/v1/me/settings', settings],
    ['/v1/me/reminders', { enabled: true, time: '20:30', days }],
  ] as const) {
    const answer = await call(who, 'PUT', url, body);
    if (answer.status !== 200) throw new Error(`${url}: ${answer.text}`);
  }
  return who;
}

const runDue = async (at: string) => {
  const run = await platform.cliAsync(['notifications', 'run-due', '--at', at]);
  if (run.status !== 0) throw new Error(run.output);
  return run.output;
};
const mailTo = (who: Writer) => smtp.received.filter((mail) => mail.to.includes(who.email));
const header = (mail: ReceivedMail | undefined, name: string) =>
  new RegExp(`^${name}: ?(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(mail?.raw ?? '')?.[1]?.replace(/\r?\n[ \t]/g, '');
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

const tokyo = await writer('Asia/Tokyo');
const lisbon = await writer('Europe/Lisbon');

t.test('each writer’s reminder email at 20:30 on their own clock, and in the app', async (t) => {
  // 20:30 in Tokyo (UTC+9) is 11:30Z; in Lisbon (UTC+0 in January) 20:30Z.
  t.match(await runDue('2027-01-12T11:29:00Z'), /0 reminder\(s\) due/);
  t.match(await runDue('2027-01-12T11:30:00Z'), /1 raised/);
  const [first] = await waitFor(async () => (mailTo(tokyo).length > 0 ? mailTo(tokyo) : undefined), 60_000, 'mail');
  t.match(first?.raw, /^Subject: A moment to write today\?/m);
  t.equal(mailTo(lisbon).length, 0, 'not yet 20:30 in Lisbon');
  const unsubscribe = header(first, 'List-Unsubscribe');
  t.match(unsubscribe, new RegExp(`^<${base}/v1/unsubscribe\\?token=${tokyo.id}\\.reminder\\.[A-Za-z0-9_-]+>$`));
  t.equal(header(first, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
  t.match(first?.raw, new RegExp(`${base}/settings`), 'a link to the settings');

  const listed = await waitFor(async () => {
    const answer = await call(tokyo, 'GET', '/v1/notifications');
    const body = answer.json() as { items: { kind: string; title: string }[]; unread: number };
    return body.items.length > 0 ? body : undefined;
  });
  t.match(listed, { unread: 1, items: [{ kind: 'reminder', title: /not written today/ }] });
  t.match(await runDue('2027-01-12T14:00:00Z'), /0 reminder\(s\) due/, 'once a day');
});

t.test(
  'killed mid-send (the SMTP server had the message, not yet accepted): exactly one after the restart',
  async (t) => {
    smtp.hold();
    t.match(await runDue('2027-01-12T20:30:00Z'), /1 raised/);
    await waitFor(async () => (smtp.held() > 0 ? true : undefined), 60_000, 'the message in the SMTP server');
    await platform.restart();
    smtp.release();
    await waitFor(async () => (mailTo(lisbon).length > 0 ? true : undefined), 90_000, 'the email sent again');
    await settle();
    t.equal(mailTo(lisbon).length, 1, 'one reminder email for Lisbon: none lost, none twice');
    t.equal(mailTo(tokyo).length, 1, 'and still one for Tokyo');
  },
);

t.test(
  'the unsubscribe link: one POST, no sign-in, turns the reminder email off; a forged one is refused',
  async (t) => {
    const link = header(mailTo(tokyo)[0], 'List-Unsubscribe')?.slice(1, -1) ?? '';
    const forged = `${link.slice(0, -2)}${link.endsWith('AA') ? 'BB' : 'AA'}`;
    const oneClick = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    const refused = await oneClick(forged);
    t.equal(refused.status, 403, 'forged');
    const otherKind = link.replace('.reminder.', '.weekly.');
    t.equal((await oneClick(otherKind)).status, 403, 'the signature of one kind does not turn off another');

    const page = await fetch(link);
    t.equal(page.status, 200);
    t.match(await page.text(), /<form method="post"/, 'a browser gets a page with a button; the GET changes nothing');
    const done = await oneClick(link);
    t.equal(done.status, 200);
    const body = (await done.json()) as { setting: string; enabled: boolean; position: number };
    t.match(body, { setting: 'emailReminderToWrite', enabled: false });
    const me = await call(tokyo, 'GET', '/v1/me', undefined, body.position);
    t.match(me.json(), { settings: { emailReminderToWrite: false }, reminders: { enabled: true } });
    const again = (await (await oneClick(link)).json()) as { position: number };
    t.equal(again.position, 0, 'followed twice: nothing more recorded');

    // The next day: the in-app reminder still comes, the email no more. Lisbon's, raised after, is the barrier.
    t.match(await runDue('2027-01-13T11:30:00Z'), /1 raised/);
    t.match(await runDue('2027-01-13T20:30:00Z'), /1 raised/);
    await waitFor(async () => (mailTo(lisbon).length === 2 ? true : undefined), 60_000, 'Lisbon’s second email');
    t.equal(mailTo(tokyo).length, 1, 'no email for Tokyo once unsubscribed');
    const listed = (await call(tokyo, 'GET', '/v1/notifications')).json() as { unread: number };
    t.equal(listed.unread, 2, 'the in-app reminders go on');
  },
);

t.test(
  'a server that defers is waited out; one that refuses for good is listed as failed, then sent again',
  async (t) => {
    smtp.refuseWith(451);
    t.match(await runDue('2027-01-14T20:30:00Z'), /1 raised/);
    await settle();
    t.equal(mailTo(lisbon).length, 2, 'deferred (451): not sent yet');
    smtp.refuseWith(undefined);
    await waitFor(async () => (mailTo(lisbon).length === 3 ? true : undefined), 90_000, 'sent once the server accepts');

    smtp.refuseWith(550);
    t.match(await runDue('2027-01-15T20:30:00Z'), /1 raised/);
    const failed = await waitFor(async () => {
      const listed = await platform.cliAsync(['notifications', 'failed', '--json']);
      return listed.status === 1 ? listed : undefined;
    }, 90_000);
    const rows = JSON.parse(failed.output) as { message: string; userId: string; error: string; attempts: number }[];
    t.match(rows, [{ message: 'reminder email', userId: lisbon.id, error: /550/ }], 'listed, with the server’s answer');
    t.equal(mailTo(lisbon).length, 3, 'not sent');
    smtp.refuseWith(undefined);
    const replay = await platform.cliAsync(['projections', 'dlq', 'replay', '-p', 'mail']);
    t.equal(replay.status, 0, replay.output);
    await waitFor(async () => (mailTo(lisbon).length === 4 ? true : undefined), 60_000, 'sent on replay');
    const after = await platform.cliAsync(['notifications', 'failed']);
    t.equal(after.status, 0, after.output);
    t.match(after.output, /no failed emails/);
  },
);
