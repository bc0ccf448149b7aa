import { Type } from '@sinclair/typebox';
import t from 'tap';
import { databaseConfig, databaseEnv, dataDirEnv, readEnv, s3Config, s3Env, serverEnv } from './index.js';

const Server = Type.Object(serverEnv(3000));

t.test('defaults apply and strings convert to the schema types', async (t) => {
  t.same(readEnv(Server, {}), { PORT: 3000, HOST: '127.0.0.1' });
  t.same(readEnv(Server, { PORT: '8080', UNRELATED: 'x' }), { PORT: 8080, HOST: '127.0.0.1' });
  t.same(readEnv(Server, { PORT: '  ' }), { PORT: 3000, HOST: '127.0.0.1' }, 'blank counts as unset');
  t.ok(Object.isFrozen(readEnv(Server, {})));
});

t.test('a bad value fails fast with a message that names the variable', async (t) => {
  for (const PORT of ['eighty', '70000', '-1', '3.5']) {
    t.throws(() => readEnv(Server, { PORT }), {
      name: 'ConfigError',
      variable: 'PORT',
      message: /^Environment variable PORT is invalid/,
    });
  }
});

t.test('a missing required variable is named as required', async (t) => {
  const schema = Type.Object({ SECRET: Type.String({ minLength: 1, description: 'the secret' }) });
  t.throws(() => readEnv(schema, {}), {
    name: 'ConfigError',
    variable: 'SECRET',
    message: 'Environment variable SECRET is required (the secret)',
  });
});

t.test('databases: embedded without URLs, derived read and analytics URLs from the write URL', async (t) => {
  const Database = Type.Object({ ...databaseEnv, ...dataDirEnv });
  t.same(databaseConfig(readEnv(Database, {})), {
    kind: 'embedded',
    dataDir: './.mindflow',
    poolSize: 10,
    analyticsTimeoutMs: 2000,
  });
  t.same(databaseConfig(readEnv(Database, { WRITE_DATABASE_URL: 'postgres://u:p@db:5432/mindflow_write' })), {
    kind: 'server',
    poolSize: 10,
    analyticsTimeoutMs: 2000,
    urls: {
      write: 'postgres://u:p@db:5432/mindflow_write',
      read: 'postgres://u:p@db:5432/mindflow_read',
      analytics: 'postgres://u:p@db:5432/mindflow_analytics',
    },
  });
  t.throws(() => databaseConfig(readEnv(Database, { READ_DATABASE_URL: 'postgres://db/mindflow_read' })), {
    name: 'ConfigError',
    variable: 'READ_DATABASE_URL',
  });
  t.throws(() => readEnv(Database, { WRITE_DATABASE_URL: 'mysql://db/x' }), {
    name: 'ConfigError',
    variable: 'WRITE_DATABASE_URL',
  });
});

t.test('S3 needs its credentials once an endpoint is set', async (t) => {
  const S3 = Type.Object(s3Env);
  t.equal(s3Config(readEnv(S3, {})), undefined);
  t.throws(() => s3Config(readEnv(S3, { S3_ENDPOINT: 'http://127.0.0.1:9000' })), {
    name: 'ConfigError',
    variable: 'S3_ACCESS_KEY_ID',
  });
  t.match(
    s3Config(
      readEnv(S3, {
        S3_ENDPOINT: 'http://s3',
        S3_ACCESS_KEY_ID: 'a',
        S3_SECRET_ACCESS_KEY: 'b',
        S3_FORCE_PATH_STYLE: 'false',
      }),
    ),
    {
      endpoint: 'http://s3',
      accessKeyId: 'a',
      secretAccessKey: 'b',
      forcePathStyle: false,
      bucket: 'mindflow-attachments',
    },
  );
});
