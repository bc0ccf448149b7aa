import { Readable } from 'node:stream';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createHttpServer } from '../http/index.js';
import { createLogger } from '../logging/index.js';
import { blobStoreContract } from './blob-store.contract.js';
import { createLocalBlobStore } from './local-blob-store.js';
import { localBlobRoutes } from './routes.js';

const root = await mkdtemp(path.join(tmpdir(), 'mindflow-blobs-'));
t.teardown(() => rm(root, { recursive: true, force: true }));
const app = await createHttpServer({
  logger: createLogger({ level: 'silent', pretty: false }, 'test'),
  title: 'test',
  version: '0.0.0',
  readiness: [],
});
let base = '';
const store = createLocalBlobStore({ root, secret: 'test-secret', baseUrl: () => base });
await localBlobRoutes(app, store);
await app.listen({ port: 0, host: '127.0.0.1' });
t.teardown(() => app.close());
const address = app.server.address();
base = `http://127.0.0.1:${String(typeof address === 'object' && address !== null ? address.port : 0)}`;

blobStoreContract(t, store);

t.test('local: refused and finished uploads leave no temporary files', async (t) => {
  t.same(await readdir(path.join(root, 'tmp')).catch(() => []), []);
});

t.test('local: blobs are readable by the platform user only (0600 files in 0700 folders)', async (t) => {
  const key = 'exports/0193b000-0000-7000-8000-00000000e001/export.zip';
  await store.put(key, Readable.from([Buffer.from('private words')]), { contentType: 'application/zip' });
  const mode = async (file: string) => (await stat(file)).mode & 0o777;
  for (const file of [path.join(root, 'objects', key), path.join(root, 'meta', `${key}.json`)]) {
    t.equal(await mode(file), 0o600, file);
    for (let folder = path.dirname(file); folder !== root; folder = path.dirname(folder)) {
      t.equal(await mode(folder), 0o700, folder);
    }
  }
});
