import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring } from '@mindflow/core/crypto';
import type { HttpServer } from '@mindflow/core/http';
import { openMailer, unsubscribeTokens } from '@mindflow/core/mail';
import { createDecoder } from '@mindflow/core/projections';
import {
  createTestDatabase,
  deliverUntilDone,
  quickRuntimeServices,
  readWholeLog,
  silentLogger,
  smtpServerForTest,
  testMailConfig,
  waitFor,
} from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import { mailSide, writeSide } from '../database.js';
import type { ReadModelTables } from '../read-model/tables.js';
import { asDeliveries, projectorForTest, signedInWriters } from '../testing.js';
import { mailDelivery, mailProjectionName } from './projection.js';

const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
const links = { baseUrl: 'https://mindflow.test', tokens: unsubscribeTokens(testSecrets.jwtSecret) };
const subject = /^Subject: Someone tried to create a MindFlow account with your email$/m;

/** POST /v1/auth/register as a stranger would: the answer's status and body. */
async function register(app: HttpServer, email: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: 'a stranger’s long secret', displayName: 'Eve', consent },
  });
  return { status: response.statusCode, body: response.json<{ id: string; version: number; position: number }>() };
}

t.test(
  'a taken email: answered like a new one, and its owner alone gets one email, even when delivered twice',
  async (t) => {
    const smtp = await smtpServerForTest();
    const mailer = openMailer(testMailConfig({ smtpUrl: smtp.url }), silentLogger());
    const platform = await projectorForTest({
      kafka: false,
      logger: silentLogger(),
      mailer,
    });
    t.teardown(async () => {
      await platform.close();
      mailer.close();
      await smtp.close();
    });
    const { app } = platform.commands;
    const [owner, other] = await signedInWriters(app, 2);
    if (owner === undefined || other === undefined) throw new Error('two writers');

    const fresh = await register(app, `new-${owner.email}`);
    await register(app, owner.email);
    const taken = await register(app, owner.email.toUpperCase());
    t.equal(taken.status, fresh.status, 'the same status');
    t.same(Object.keys(taken.body).sort(), Object.keys(fresh.body).sort(), 'the same shape');
    t.equal(taken.body.version, fresh.body.version);

    const mail = platform.projector.projections.find((projection) => projection.name === mailProjectionName);
    if (mail === undefined) throw new Error('the projector hosts the mail projection');
    await waitFor(
      async () => (mail.lastPosition() >= taken.body.position ? true : undefined),
      60_000,
      'the mail projection',
    );
    const attempts = (await readWholeLog(writeSide(platform.commands.db))).filter(
      (e) => e.type === 'RegistrationAttempted',
    );
    t.equal(attempts.length, 2, 'two attempts recorded');
    // One email an hour at most, however many attempts: a stranger cannot flood the owner's inbox.
    const hours = new Set(attempts.map((e) => e.occurredAt.toISOString().slice(0, 13))).size;
    t.equal(smtp.received.length, hours, 'one email in all: none for the new account, none for the other writer');
    const [notice] = smtp.received;
    t.same(notice?.to, [owner.email], 'to the owner');
    t.match(notice?.raw, subject);
    t.notMatch(notice?.raw, /a stranger’s long secret|Eve/, 'nothing the stranger sent');

    // Delivered again (a redelivery, a dead letter replayed): sent before, so not again.
    const attempt = attempts.at(-1);
    if (attempt === undefined) throw new Error('the attempt is in the log');
    await mail.replay(attempt);
    await mail.replay(attempt);
    t.equal(smtp.received.length, hours, 'still one email');
  },
);

t.test('outbox, erasure and refusal, hosted alone', async (t) => {
  const commands = await commandServiceForTest();
  const read = await createTestDatabase<ReadModelTables>('read');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mindflow-mail-'));
  const smtp = await smtpServerForTest();
  t.teardown(async () => {
    await smtp.close();
    await rm(dataDir, { recursive: true, force: true });
    await read.drop();
    await commands.close();
  });
  const writeDb = writeSide(commands.db);
  const decode = createDecoder(createUserKeyring(testSecrets.masterKey), writeDb);
  const [owner, erased] = await signedInWriters(commands.app, 2);
  if (owner === undefined || erased === undefined) throw new Error('two writers');
  await register(commands.app, owner.email);
  await register(commands.app, erased.email);
  const gone = await commands.app.inject({
    method: 'DELETE',
    url: '/v1/me',
    headers: { authorization: `Bearer ${erased.token}` },
    payload: { password: erased.password },
  });
  t.equal(gone.statusCode, 202, gone.body);
  const events = await waitFor(async () => {
    const all = await readWholeLog(writeDb);
    return all.some((e) => e.type === 'UserErased') ? all : undefined;
  });
  const attempts = events.filter((e) => e.type === 'RegistrationAttempted');
  t.equal(attempts.length, 2);

  await t.test(
    'without SMTP_URL: the owner’s email is an .eml file in the outbox; the erased one’s is not',
    async (t) => {
      const outbox = openMailer(testMailConfig({ dataDir }), silentLogger());
      const host = mailDelivery({
        mailer: outbox,
        readDb: mailSide(read.db),
        writeDb: commands.db,
        links,
        decode,
        runtime: quickRuntimeServices(),
      });
      t.equal(await deliverUntilDone(host, asDeliveries(events), 5), 0);
      const files = await readdir(path.join(dataDir, 'outbox'));
      const hour = attempts[0]?.occurredAt.toISOString().slice(0, 13) ?? '';
      t.same(files, [`registration-attempted.${owner.id}.${hour}.eml`], 'one file: the owner’s');
      const eml = await readFile(path.join(dataDir, 'outbox', files[0] ?? ''), 'utf8');
      t.match(eml, new RegExp(`^To: ${owner.email}$`, 'm'));
      t.match(eml, subject);
      t.notOk(eml.includes(erased.email), 'the erased owner’s address was never opened');
    },
  );

  await t.test(
    'a message the server refuses for good is dead-lettered, not marked sent; replayed, it goes',
    async (t) => {
      // A fresh read database for this host: nothing sent yet.
      await sql`truncate mail_deliveries, projection_offsets, dead_letters`.execute(read.db);
      const mailer = openMailer(testMailConfig({ smtpUrl: smtp.url }), silentLogger());
      t.teardown(() => mailer.close());
      const host = mailDelivery({
        mailer,
        readDb: mailSide(read.db),
        writeDb: commands.db,
        links,
        decode,
        runtime: quickRuntimeServices(),
      });
      smtp.refuseWith(550);
      t.equal(await deliverUntilDone(host, asDeliveries(events), 10), 2, 'two failed deliveries, then given up on');
      const dead = await read.db.selectFrom('dead_letters').selectAll().execute();
      t.match(dead, [{ projection: 'mail', event_id: attempts[0]?.eventId, attempts: 3, error: /SMTP 550/ }]);
      t.same(await mailSide(read.db).selectFrom('mail_deliveries').selectAll().execute(), [], 'not recorded as sent');
      smtp.refuseWith(undefined);
      const attempt = attempts[0];
      if (attempt === undefined) throw new Error('the attempt');
      await host.replay(attempt);
      t.equal(smtp.received.length, 1);
      t.same(smtp.received[0]?.to, [owner.email]);
    },
  );
});
