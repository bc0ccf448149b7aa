import t from 'tap';
import { testEngines } from './index.js';

const env = {
  WRITE_DATABASE_URL: 'postgres://u@127.0.0.1:5432/w',
  READ_DATABASE_URL: 'postgres://u@127.0.0.1:5432/r',
  ANALYTICS_DATABASE_URL: 'postgres://u@127.0.0.1:5432/a',
  KAFKA_BROKERS: '127.0.0.1:9092',
  ELASTICSEARCH_URL: 'http://127.0.0.1:9200',
  MONGODB_URL: 'mongodb://127.0.0.1:27017',
  REDIS_URL: 'redis://127.0.0.1:6379',
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY_ID: 'key',
  S3_SECRET_ACCESS_KEY: 'secret',
};

t.test('files side by side get Redis databases of their own, one per job slot', async (t) => {
  const redisOf = (jobId?: string) => testEngines({ ...env, TAP_JOB_ID: jobId }).redis.url;
  t.equal(redisOf(undefined), 'redis://127.0.0.1:6379', 'outside tap: the address as given');
  t.equal(redisOf('0'), 'redis://127.0.0.1:6379/1', 'slot 0: database 1 (0 is left to the platform)');
  t.equal(redisOf('2'), 'redis://127.0.0.1:6379/3');
  t.equal(redisOf('14'), 'redis://127.0.0.1:6379/15');
  t.throws(() => redisOf('15'), /at most 15 jobs/, 'Redis has 16 databases: no slot may share one');
  t.throws(() => redisOf('x'), /at most 15 jobs/);
});
