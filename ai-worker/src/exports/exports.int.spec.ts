import { createHash, randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { createLogger } from '@mindflow/core/logging';
import { waitFor } from '@mindflow/core/testing';
import { testWriters } from '@mindflow/query-service/testing';
import t from 'tap';
import yauzl from 'yauzl';
import { writeDueInsights } from '../insights/scheduler.js';
import { aiWorkerForTest } from '../testing.js';
import { ExportedEntries, type Manifest } from './format.js';
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

/** Every file of a ZIP, by path. */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error !== null) {
        reject(error);
        return;
      }
      const files = new Map<string, Buffer>();
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError !== null) {
            reject(streamError);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.on('end', () => resolve(files));
      archive.on('error', reject);
      archive.readEntry();
    });
  });
}

t.test('an export: a job with progress, then a ZIP that matches its manifest and its schema', async (t) => {
  const [eve, bob] = await testWriters(app, 2);
  if (eve === undefined || bob === undefined) throw new Error('writers');
  const first = await eve.write({
    date: '2026-11-16',
    title: 'Monday "quoted"',
    content: '# Work\n\nA *good* day.',
    tags: ['work'],
  });
  await eve.write({ date: '2026-11-17', title: 'Tuesday', content: 'Rain all day.', mood: 'sad', location: 'Porto' });
  await eve.write({ date: '2026-11-18', title: 'Wednesday', content: 'Quiet.' });
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    Buffer.from('IHDR'),
    Buffer.alloc(200, 3),
  ]);
  const boundary = `----mindflow${randomUUID()}`;
  const uploaded = await app.inject({
    method: 'POST',
    url: `/v1/entries/${first.id}/attachments`,
    headers: { authorization: `Bearer ${eve.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="desk.png"\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });
  t.equal(uploaded.statusCode, 201);
  const attachmentId = uploaded.json<{ id: string }>().id;
  await eve.command('POST', '/v1/insights', { type: 'custom', from: '2026-11-16', to: '2026-11-22' });
  await waitFor(async () => ((await writeDueInsights(ai.insights)).written > 0 ? true : undefined));
  // The audit projection has recorded the entries.
  await waitFor(async () => ((await ai.platform.audit.count({ userId: eve.id })) >= 3 ? true : undefined));

  const asked = await eve.command('POST', '/v1/me/exports');
  const again = await app.inject({
    method: 'POST',
    url: '/v1/me/exports',
    headers: { authorization: `Bearer ${eve.token}` },
  });
  t.equal(again.statusCode, 409, 'one export at a time');
  const queued = (await eve.get(`/v1/me/exports/${asked.id}`)).json<{ status: string }>();
  t.equal(queued.status, 'queued');
  t.equal((await bob.get(`/v1/me/exports/${asked.id}`)).statusCode, 404, "nobody else's");

  t.ok(await runNextExport(exportDeps, logger));
  const done = (await eve.get(`/v1/me/exports/${asked.id}`)).json<{
    status: string;
    progress: { done: number; total: number };
    downloadUrl: string;
  }>();
  t.match(done, { status: 'completed', progress: { done: 4, total: 4 } });
  // Its writer is told, in the app (and on their open streams), with no polling.
  const told = await waitFor(async () => {
    const listed = (await eve.get('/v1/notifications')).json<{ items: { kind: string; subjectId: string }[] }>();
    return listed.items.find((item) => item.kind === 'export-ready');
  });
  t.match(told, { subjectId: asked.id, severity: null, title: /export is ready/, readAt: null });
  const bobs = (await bob.get('/v1/notifications')).json<{ items: unknown[] }>();
  t.same(bobs.items, [], 'nobody else is told');
  const link = new URL(done.downloadUrl);
  const download = await app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
  t.equal(download.statusCode, 200);
  t.equal(download.headers['content-type'], 'application/zip');
  const files = await unzip(download.rawPayload);

  const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? '{}') as Manifest;
  t.match(manifest, { format: 'mindflow-export', version: 1, exportId: asked.id, userId: eve.id });
  t.same(
    manifest.files.map((file) => file.path).sort(),
    [...files.keys()].filter((path) => path !== 'manifest.json').sort(),
    'the manifest lists every other file',
  );
  for (const file of manifest.files) {
    const content = files.get(file.path) ?? Buffer.alloc(0);
    t.equal(createHash('sha256').update(content).digest('hex'), file.sha256, `sha-256 of ${file.path}`);
    t.equal(content.length, file.size);
  }

  // entries.json against the JSON Schema shipped in the ZIP, with a JSON Schema validator.
  const entries: unknown = JSON.parse(files.get('entries.json')?.toString() ?? 'null');
  const schema = JSON.parse(files.get('schema/entries.v1.json')?.toString() ?? 'null') as object;
  t.same(schema, JSON.parse(JSON.stringify(ExportedEntries)), 'the schema is the documented one');
  const ajv = new Ajv({ strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  t.ok(validate(entries), `entries.json matches its schema ${JSON.stringify(validate.errors ?? [])}`);
  t.notOk(validate([{ id: 'x' }]), 'and the schema can refuse');
  t.match(entries, [
    {
      title: 'Monday "quoted"',
      tags: ['work'],
      attachments: [{ id: attachmentId, fileName: 'desk.png', size: png.length }],
    },
    { title: 'Tuesday', mood: 'sad', location: 'Porto' },
    { title: 'Wednesday' },
  ]);
  t.same(files.get(`attachments/${attachmentId}/desk.png`), png, 'the attachment, byte for byte');
  t.match(
    files.get('entries/2026-11-16.md')?.toString(),
    /^---\nid: .+\ndate: 2026-11-16\ntitle: "Monday \\"quoted\\""\n/,
  );
  t.match(
    files.get('entries/2026-11-16.md')?.toString(),
    /\n---\n\n# Monday "quoted"\n\n# Work\n\nA \*good\* day\.\n$/,
  );
  t.match(JSON.parse(files.get('profile.json')?.toString() ?? '{}'), {
    user: { display_name: String },
    settings: { private_mode: false },
    consentHistory: [{ data_processing: true }],
  });
  const habits = JSON.parse(files.get('habits.json')?.toString() ?? '{}') as {
    goals: unknown[];
    achievements: { code: string }[];
  };
  t.same(habits.goals, [], 'habits.json: no goals');
  t.same(
    habits.achievements.map((achievement) => achievement.code).sort(),
    ['first-attachment', 'first-entry', 'first-export'],
    'habits.json: the achievements the entries, the attachment and the export unlocked',
  );
  t.match(JSON.parse(files.get('insights.json')?.toString() ?? '[]'), [
    { kind: 'custom', from: '2026-11-16', stats: { entries: 3 } },
  ]);
  const audit = JSON.parse(files.get('audit.json')?.toString() ?? '[]') as { userId: string; action: string }[];
  t.ok(
    audit.length >= 3 && audit.every((record) => record.userId === eve.id),
    "the user's own audit trail, only theirs",
  );
  t.notOk(audit.some((record) => record.userId === bob.id));
  // The export itself is in the audit trail.
  const recorded = await waitFor(async () => {
    const count = await ai.platform.audit.count({ userId: eve.id, action: 'DATA_EXPORT' });
    return count > 0 ? count : undefined;
  });
  t.equal(recorded, 1, 'audited as DATA_EXPORT');
});
