import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { InfrastructureError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { createTestDatabase, refusedPort, silentLogger, smtpServerForTest, testMailConfig } from '../testing/index.js';
import { openMailer, sendOnce, type MailDeliveriesTables, type MailMessage } from './index.js';

const message = (key: string, to = 'ana@example.com'): MailMessage => ({
  key,
  to,
  subject: 'Someone tried to register with your email',
  text: 'plain words',
  html: '<p>plain words</p>',
});
t.test('SMTP: the server receives the message with a Message-ID made of its key', async (t) => {
  const smtp = await smtpServerForTest();
  t.teardown(() => smtp.close());
  const mailer = openMailer(testMailConfig({ smtpUrl: smtp.url }), silentLogger());
  t.teardown(() => mailer.close());
  const receipt = await mailer.send(message('notice.1'));
  t.same(receipt, { via: 'smtp', messageId: '<notice.1@mindflow.test>' });
  t.equal(smtp.received.length, 1);
  t.same(smtp.received[0]?.to, ['ana@example.com']);
  t.equal(smtp.received[0]?.from, 'no-reply@mindflow.test');
  t.match(smtp.received[0]?.raw, /^Message-ID: <notice\.1@mindflow\.test>/m);
  t.match(smtp.received[0]?.raw, /^Subject: Someone tried to register with your email/m);
  t.match(smtp.received[0]?.raw, /text\/html/, 'plain text and HTML');
});

t.test('SMTP failures say whether trying again may help', async (t) => {
  const smtp = await smtpServerForTest();
  t.teardown(() => smtp.close());
  const mailer = openMailer(testMailConfig({ smtpUrl: smtp.url }), silentLogger());
  t.teardown(() => mailer.close());
  smtp.refuseWith(451);
  await t.rejects(mailer.send(message('notice.2')), { name: 'InfrastructureError', retriable: true, message: /451/ });
  smtp.refuseWith(550);
  await t.rejects(mailer.send(message('notice.3')), { name: 'InfrastructureError', retriable: false, message: /550/ });
  const nobody = openMailer(testMailConfig({ smtpUrl: `smtp://127.0.0.1:${await refusedPort()}` }), silentLogger());
  t.teardown(() => nobody.close());
  const refused = await nobody.send(message('notice.4')).catch((error: unknown) => error);
  t.ok(refused instanceof InfrastructureError && refused.retriable, 'a server away is waited out');
  t.equal(smtp.received.length, 0);
});

t.test(
  'without SMTP_URL: an .eml file (0600) in MINDFLOW_DATA_DIR/outbox (0700), and a log line saying where',
  async (t) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'mindflow-outbox-'));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'info', pretty: false },
      'test',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const config = testMailConfig({ dataDir });
    const mailer = openMailer(config, logger);
    const receipt = await mailer.send(message('notice.5'));
    const outbox = path.join(dataDir, 'outbox');
    const file = path.join(outbox, 'notice.5.eml');
    t.same(receipt, { via: 'outbox', messageId: '<notice.5@mindflow.test>', path: file });
    t.same(await readdir(outbox), ['notice.5.eml'], 'nothing half-written left beside it');
    t.equal((await stat(outbox)).mode & 0o777, 0o700);
    t.equal((await stat(file)).mode & 0o777, 0o600);
    const eml = await readFile(file, 'utf8');
    t.match(eml, /^To: ana@example\.com$/m);
    t.match(eml, /^Subject: Someone tried to register with your email$/m);
    t.match(eml, /^Message-ID: <notice\.5@mindflow\.test>$/m);
    t.ok(
      lines.some((line) => line.includes(file) && line.includes('outbox')),
      'the log says where it went',
    );
    t.notOk(lines.join('').includes('ana@example.com'), 'and not to whom');
  },
);

t.test('sendOnce: a key is sent once, by concurrent senders too; a failed send claims nothing', async (t) => {
  const read = await createTestDatabase<MailDeliveriesTables>('read');
  const smtp = await smtpServerForTest();
  t.teardown(async () => {
    await smtp.close();
    await read.drop();
  });
  const mailer = openMailer(testMailConfig({ smtpUrl: smtp.url }), silentLogger());
  t.teardown(() => mailer.close());
  const sent = await Promise.all([1, 2, 3].map(() => sendOnce(read.db, mailer, message('notice.6'))));
  t.equal(sent.filter((receipt) => receipt !== undefined).length, 1, 'one sender sent it');
  t.equal(await sendOnce(read.db, mailer, message('notice.6')), undefined, 'later: already sent');
  t.equal(smtp.received.length, 1);
  smtp.refuseWith(451);
  await t.rejects(sendOnce(read.db, mailer, message('notice.7')), { name: 'InfrastructureError', retriable: true });
  smtp.refuseWith(undefined);
  t.match(await sendOnce(read.db, mailer, message('notice.7')), { via: 'smtp' }, 'tried again, sent');
  t.equal(smtp.received.length, 2);
  const rows = await read.db
    .selectFrom('mail_deliveries')
    .select(['message_key', 'via'])
    .orderBy('message_key')
    .execute();
  t.same(rows, [
    { message_key: 'notice.6', via: 'smtp' },
    { message_key: 'notice.7', via: 'smtp' },
  ]);
});
