import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import t from 'tap';
import { silentLogger, testEngines, uniqueName } from '../testing/index.js';
import { connectS3 } from './index.js';

t.test('@aws-sdk/client-s3 against the real S3-compatible server: put, get, presigned GET', async (t) => {
  const { client, bucket, health, close } = connectS3(testEngines().s3, silentLogger());
  const key = `smoke/${uniqueName('object')}.txt`;
  t.teardown(async () => {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await close();
  });
  await t.resolves(health.check());

  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'dear diary', ContentType: 'text/plain' }));
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  t.equal(await object.Body?.transformToString(), 'dear diary');
  t.equal(object.ContentType, 'text/plain');

  const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 60 });
  const fetched = await fetch(url);
  t.equal(fetched.status, 200, 'the presigned URL works');
  t.equal(await fetched.text(), 'dear diary');

  const tampered = new URL(url);
  tampered.pathname = tampered.pathname.replace(/\.txt$/, '.TXT');
  const refused = await fetch(tampered);
  t.equal(refused.status, 403, 'a URL whose path was changed is refused');
  const signature = url.replace(
    /X-Amz-Signature=([0-9a-f])/,
    (_match, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`,
  );
  t.equal((await fetch(signature)).status, 403, 'a URL whose signature was changed is refused');
});
