import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { connectS3, signedLinkOrigin } from '../s3/index.js';
import { silentLogger, testEngines } from '../testing/index.js';
import { blobStoreContract } from './blob-store.contract.js';
import { createS3BlobStore } from './s3-blob-store.js';

const s3 = connectS3(testEngines().s3, silentLogger());
t.teardown(() => s3.close());
const store = createS3BlobStore(s3, s3.bucket);

blobStoreContract(t, store);

t.test('S3: a refused multipart upload leaves no parts behind', async (t) => {
  const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  t.same(uploads.Uploads ?? [], [], 'no multipart upload left open');
});

t.test("S3: signed links point at the origin the web client's CSP lets images come from", async (t) => {
  const link = await store.presignGet('thumbnails/someone/some.webp', { expiresInSeconds: 60 });
  t.equal(new URL(link).origin, signedLinkOrigin(testEngines().s3));
  // Signing needs no request: a host name that does not resolve will do.
  const hosted = { ...testEngines().s3, endpoint: 'http://s3.example.test:9000', forcePathStyle: false };
  const virtual = connectS3(hosted, silentLogger());
  t.teardown(() => virtual.close());
  const hostedLink = await createS3BlobStore(virtual, virtual.bucket).presignGet('a/b', { expiresInSeconds: 60 });
  t.equal(new URL(hostedLink).origin, signedLinkOrigin(hosted), 'virtual-hosted addressing too');
  t.equal(signedLinkOrigin(hosted), `http://${hosted.bucket}.s3.example.test:9000`);
});
