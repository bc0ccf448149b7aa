import { mkdtemp, readdir, rm } from 'node:fs/promises';
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
