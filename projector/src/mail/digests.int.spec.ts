import { randomUUID } from 'node:crypto';
import { commandServiceForTest, testSecrets } from '@mindflow/command-service/testing';
import { createUserKeyring } from '@mindflow/core/crypto';
import { insightStream } from '@mindflow/core/domain';
import { openMailer } from '@mindflow/core/mail';
import { createDecoder } from '@mindflow/core/projections';
import {
  createTestDatabase,
  deliverUntilDone,
  quickRuntimeServices,
  readWholeLog,
  silentLogger,
  smtpServerForTest,
  testMailConfig,
} from '@mindflow/core/testing';
import { appendDerived } from '@mindflow/core/write-model';
import t from 'tap';
import { mailSide } from '../database.js';
import type { ReadModelTables } from '../read-model/tables.js';
import { asDeliveries, signedInWriters } from '../testing.js';
import { mailLinks } from './messages.js';
import { mailDelivery } from './projection.js';

const commands = await commandServiceForTest();
const read = await createTestDatabase<ReadModelTables>('read');
const smtp = await smtpServerForTest();
const mailer = openMailer(testMailConfig({ smtpUrl: smtp.url }), silentLogger());
t.teardown(async () => {
  mailer.close();
  await smtp.close();
  await read.drop();
  await commands.close();
});
const { app, db } = commands;
const keyring = createUserKeyring(testSecrets.masterKey);
const host = mailDelivery({
  mailer,
  readDb: mailSide(read.db),
  writeDb: db,
  links: mailLinks(testSecrets.jwtSecret, 'https://mindflow.test'),
  decode: createDecoder(keyring, db),
  runtime: quickRuntimeServices(),
});

const settings = (weekly: boolean, monthly: boolean) => ({
  autoSave: true,
  privateMode: false,
  emailWeeklyInsights: weekly,
  emailMonthlyInsights: monthly,
  emailReminderToWrite: false,
});
const entryText = 'canary: the lake at dawn, and what Mara said';

t.test('weekly and monthly insights by email, to the writers who asked, in text and HTML', async (t) => {
  const [weeklyOnly, neither] = await signedInWriters(app, 2);
  if (weeklyOnly === undefined || neither === undefined) throw new Error('two writers');
  for (const [writer, chosen] of [
    [weeklyOnly, settings(true, false)],
    [neither, settings(false, false)],
  ] as const) {
    const answer = await app.inject({
      method: 'PUT',
      url: '/v1/me/settings',
      headers: { authorization: `Bearer ${writer.token}` },
      payload: chosen,
    });
    t.equal(answer.statusCode, 200);
    const entry = await app.inject({
      method: 'POST',
      url: '/v1/entries',
      headers: { authorization: `Bearer ${writer.token}` },
      payload: { date: '2026-03-03', title: 'Dawn', content: entryText },
    });
    t.equal(entry.statusCode, 201);
  }
  const insights: Record<string, string> = {};
  for (const writer of [weeklyOnly, neither]) {
    for (const kind of ['weekly', 'monthly'] as const) {
      const insightId = randomUUID();
      insights[`${writer.id} ${kind}`] = insightId;
      await db.transaction().execute((trx) =>
        appendDerived(trx, keyring, {
          streamId: insightStream(insightId),
          userId: writer.id,
          type: 'InsightGenerated',
          data: {
            insightId,
            kind,
            from: kind === 'weekly' ? '2026-03-02' : '2026-03-01',
            to: kind === 'weekly' ? '2026-03-08' : '2026-03-31',
            summary: `A ${kind} of early walks & <calm> mornings.`,
            stats: { entries: 1, suggestions: ['Write before the walk.'] },
          },
          at: new Date(),
        }),
      );
    }
  }
  t.equal(await deliverUntilDone(host, asDeliveries(await readWholeLog(db))), 0);
  t.equal(smtp.received.length, 1, 'one email: the weekly insight of the writer who asked for it');
  const [digest] = smtp.received;
  t.same(digest?.to, [weeklyOnly.email]);
  const raw = digest?.raw ?? '';
  t.match(raw, /^Subject: Your weekly insight, 2026-03-02 to 2026-03-08/m);
  t.match(raw, /Content-Type: multipart\/alternative/i, 'text and HTML');
  t.match(raw, /Content-Type: text\/plain/i);
  t.match(raw, /Content-Type: text\/html/i);
  t.match(raw, /A weekly of early walks & <calm> mornings\./, 'the insight’s own words, as text');
  t.match(raw, /A weekly of early walks &#38; &#60;calm&#62; mornings\./, 'and escaped in the HTML');
  t.match(raw, /Write before the walk\./);
  t.notMatch(raw, /canary|Mara|the lake/, 'no journal text beyond what the insight says');
  const headers = raw.replace(/\r?\n[ \t]+/g, ' '); // unfolded
  t.match(
    headers,
    new RegExp(`List-Unsubscribe: <https://mindflow.test/v1/unsubscribe\\?token=${weeklyOnly.id}\\.weekly\\.`),
  );
  t.match(headers, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);

  // Delivered again (a redelivery, a replay): sent before, not again.
  t.equal(await deliverUntilDone(host, asDeliveries(await readWholeLog(db))), 0);
  t.equal(smtp.received.length, 1, 'still one');
});
