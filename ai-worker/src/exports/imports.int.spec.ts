import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testSecrets } from '@mindflow/command-service/testing';
import archiver from 'archiver';
import { createLogger } from '@mindflow/core/logging';
import { waitFor } from '@mindflow/core/testing';
import { testWriters, type TestWriter } from '@mindflow/query-service/testing';
import sharp from 'sharp';
import t from 'tap';
import { aiWorkerForTest } from '../testing.js';
import { runNextExport } from './runner.js';

const ai = await aiWorkerForTest();
t.teardown(ai.close);
const { app } = ai.platform;
const logger = createLogger({ level: 'silent', pretty: false }, 'test');
const exportDeps = {
  db: ai.insights.db,
  keyring: ai.insights.keyring,
  blobs: ai.platform.blobs,
  audit: ai.platform.audit,
};

interface Report {
  format: string;
  dryRun: boolean;
  created: { date: string; title: string; attachments: number }[];
  skipped: { date: string; reason: string }[];
  rejected: { source: string; reason: string }[];
  habits: { created: number; skipped: number };
}

async function importZip(writer: TestWriter, zip: Buffer, dryRun: boolean) {
  const boundary = `----mindflow${randomUUID()}`;
  const response = await app.inject({
    method: 'POST',
    url: `/v1/me/imports?dryRun=${String(dryRun)}`,
    headers: { authorization: `Bearer ${writer.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="import.zip"\r\n\r\n`),
      zip,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });
  return response;
}

async function zipOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const archive = archiver('zip');
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  for (const [name, content] of Object.entries(files)) archive.append(content, { name });
  await archive.finalize();
  return Buffer.concat(chunks);
}

type Listed = { date: string; title: string; tags: string[]; attachments: unknown[] }[];
const entriesOf = async (writer: TestWriter) =>
  (await writer.get('/v1/entries?limit=100')).json<{ items: Listed }>().items;
/** The list once the read model shows what the test waits for (imports answer no position). */
const entriesOnce = (writer: TestWriter, ready: (items: Listed) => boolean) =>
  waitFor(async () => {
    const items = await entriesOf(writer);
    return ready(items) ? items : undefined;
  });

t.test(
  'a MindFlow export imports into another account, once: a dry run, then the import, then nothing new',
  async (t) => {
    const [ana, bea] = await testWriters(app, 2);
    if (ana === undefined || bea === undefined) throw new Error('writers');
    await ana.write({ date: '2026-10-01', title: 'First', content: 'One.', tags: ['a'] });
    await ana.write({ date: '2026-10-02', title: 'Second', content: 'Two.', mood: 'happy' });
    await ana.command('POST', '/v1/goals', { kind: 'words-per-day', target: 250 });
    await ana.command('POST', '/v1/templates', {
      name: 'Evening',
      title: 'Evening',
      content: '## Today\n',
      tags: ['e'],
    });
    await ana.command('POST', '/v1/prompts', { text: 'What did the sea say?', theme: 'nature' });
    const { id } = await ana.command('POST', '/v1/me/exports');
    await runNextExport(exportDeps, logger);
    const link = new URL((await ana.get(`/v1/me/exports/${id}`)).json<{ downloadUrl: string }>().downloadUrl);
    const zip = (await app.inject({ method: 'GET', url: `${link.pathname}${link.search}` })).rawPayload;
    const mine = await bea.write({ date: '2026-10-02', title: 'Mine already', content: 'Bea was here.' });

    const dry = await importZip(bea, zip, true);
    t.equal(dry.statusCode, 200);
    t.match(dry.json<Report>(), {
      format: 'mindflow-export',
      dryRun: true,
      created: [{ date: '2026-10-01', title: 'First' }],
      skipped: [{ date: '2026-10-02', reason: /already/ }],
      rejected: [],
      habits: { created: 3, skipped: 0 },
    });
    const afterDry = await bea.get('/v1/entries?limit=100', { 'x-min-position': String(mine.position) });
    t.equal(afterDry.json<{ items: Listed }>().items.length, 1, 'a dry run writes nothing');

    const done = await importZip(bea, zip, false);
    t.equal(done.statusCode, 201);
    t.match(done.json<Report>(), {
      dryRun: false,
      created: [{ date: '2026-10-01' }],
      skipped: [{ date: '2026-10-02' }],
    });
    const again = (await importZip(bea, zip, false)).json<Report>();
    t.same(again.created, [], 'importing twice creates nothing new');
    t.same(again.habits, { created: 0, skipped: 3 }, 'nor any goal, template or prompt twice');
    const restored = await waitFor(async () => {
      const goals = (await bea.get('/v1/goals')).json<{ items: { kind: string; target: number }[] }>().items;
      return goals.length > 0 ? goals : undefined;
    });
    t.match(restored, [{ kind: 'words-per-day', target: 250 }], 'the goal restored');
    const templates = (await bea.get('/v1/templates')).json<{ items: { name: string; builtIn: boolean }[] }>().items;
    t.same(
      templates.filter((template) => !template.builtIn).map((template) => template.name),
      ['Evening'],
    );
    const prompts = (await bea.get('/v1/prompts')).json<{ items: { text: string }[] }>().items;
    t.same(
      prompts.map((prompt) => prompt.text),
      ['What did the sea say?'],
    );
    t.equal(again.skipped.length, 2);
    t.match(await entriesOnce(bea, (items) => items.length === 2), [
      { date: '2026-10-02', title: 'Mine already' },
      { date: '2026-10-01', title: 'First' },
    ]);
  },
);

t.test(
  'a Day One export: entries, dates in their time zone, tags and photos; bad entries rejected with a reason',
  async (t) => {
    const [cleo] = await testWriters(app, 1);
    if (cleo === undefined) throw new Error('writer');
    const photo = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c84' } })
      .jpeg()
      .toBuffer();
    const md5 = createHash('md5').update(photo).digest('hex');
    const journal = {
      metadata: { version: '1.0' },
      entries: [
        {
          uuid: 'A1',
          creationDate: '2026-09-30T23:30:00Z',
          timeZone: 'Europe/Lisbon',
          text: '# Harbour walk\n\nThe boats were back.',
          tags: ['walks'],
          photos: [{ md5, type: 'jpeg', identifier: 'P1' }],
        },
        { uuid: 'A2', creationDate: '2026-10-03T08:00:00Z', timeZone: 'UTC', text: 'Short one\nJust a line.' },
        { uuid: 'A3', text: 'no date at all' },
        {
          uuid: 'A4',
          creationDate: '2026-10-04T08:00:00Z',
          timeZone: 'UTC',
          text: `${'x'.repeat(300)}\n${'y'.repeat(10_001)}`,
        },
        // Valid JSON (JSON.stringify writes it as "\ud800"), but not text any store accepts.
        { uuid: 'A5', creationDate: '2026-10-05T08:00:00Z', timeZone: 'UTC', text: 'Half a pair\nhere: \ud800.' },
      ],
    };
    const zip = await zipOf({ 'Journal.json': JSON.stringify(journal), [`photos/${md5}.jpeg`]: photo });

    const dry = (await importZip(cleo, zip, true)).json<Report>();
    t.match(dry, {
      format: 'day-one',
      created: [
        { date: '2026-10-01', title: 'Harbour walk', attachments: 1 },
        { date: '2026-10-03', title: 'Short one' },
      ],
    });
    t.equal(dry.rejected.length, 3, 'no date, content past 10,000 characters, and a lone surrogate');
    t.match(dry.rejected.find((item) => item.source.endsWith('#A5'))?.reason, /well-formed Unicode/);
    t.ok(dry.rejected.every((item) => item.reason.length > 0));

    const imported = await importZip(cleo, zip, false);
    t.equal(imported.statusCode, 201);
    const entries = await entriesOnce(
      cleo,
      (items) => items.length === 2 && items.some((item) => item.attachments.length === 1),
    );
    t.match(entries, [
      { date: '2026-10-03', title: 'Short one' },
      {
        date: '2026-10-01',
        title: 'Harbour walk',
        tags: ['walks'],
        attachments: [{ contentType: 'image/jpeg', size: photo.length }],
      },
    ]);
    t.same((await importZip(cleo, zip, false)).json<Report>().created, [], 'and a second time, nothing');
    t.equal((await importZip(cleo, Buffer.from('not a zip'), false)).statusCode, 415);
  },
);

t.test('mindflow import: the same from the command line, with a dry run first', async (t) => {
  const [dora] = await testWriters(app, 1);
  if (dora === undefined) throw new Error('writer');
  // The profile is read once the read model has it (registration answers no position).
  const email = await waitFor(async () => (await dora.get('/v1/me')).json<{ email?: string }>().email);
  const zip = await zipOf({
    'Journal.json': JSON.stringify({
      entries: [{ uuid: 'C1', creationDate: '2026-08-01T10:00:00Z', timeZone: 'UTC', text: 'From the CLI\nHello.' }],
    }),
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'mindflow-import-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'dayone.zip');
  await writeFile(file, zip);
  const main = path.resolve(import.meta.dirname, '../../../cli/src/main.ts');
  const env = {
    ...process.env,
    WRITE_DATABASE_URL: ai.platform.writeUrl,
    READ_DATABASE_URL: ai.platform.readUrl,
    ANALYTICS_DATABASE_URL: ai.platform.analyticsUrl,
    MINDFLOW_MASTER_KEY: testSecrets.masterKey.toString('base64'),
    MINDFLOW_JWT_SECRET: testSecrets.jwtSecret,
    MINDFLOW_DATA_DIR: dir,
  };
  const cli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import=tsx', '--conditions=mindflow-source', main, 'import', file, '--user', email, ...args],
      {
        env,
        encoding: 'utf8',
      },
    );
  const dry = cli('--dry-run');
  t.equal(dry.status, 0, dry.stderr);
  t.match(JSON.parse(dry.stdout) as Report, {
    format: 'day-one',
    dryRun: true,
    created: [{ date: '2026-08-01', title: 'From the CLI' }],
  });
  const done = cli();
  t.equal(done.status, 0, done.stderr);
  t.match(JSON.parse(done.stdout) as Report, { dryRun: false, created: [{ date: '2026-08-01' }] });
  t.match(await entriesOnce(dora, (items) => items.length === 1), [{ date: '2026-08-01', title: 'From the CLI' }]);
  t.match(JSON.parse(cli().stdout) as Report, { created: [], skipped: [{ date: '2026-08-01' }] }, 'twice: nothing new');
});
