import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { connectS3 } from '../s3/index.js';
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
