import cluster from 'node:cluster';
import { once } from 'node:events';
import path from 'node:path';
import t from 'tap';
import { answerWorkers } from './ipc.js';

t.test("an answer that fails reaches the worker as its request's failure; the primary lives on", async (t) => {
  cluster.setupPrimary({
    exec: path.join(import.meta.dirname, 'ipc-worker.ts'),
    execArgv: ['--import=tsx', '--conditions=mindflow-source'],
  });
  answerWorkers('ipc-test', async (body) => {
    if (body === 'fail') throw new Error('the registry is away');
    return `answered ${String(body)}`;
  });
  const worker = cluster.fork();
  const exited = once(worker, 'exit');
  const message = await new Promise((resolve) => {
    worker.on('message', (sent: { channel?: string }) => {
      if (sent.channel === 'ipc-test-done') resolve(sent);
    });
  });
  t.same(message, {
    channel: 'ipc-test-done',
    outcomes: ['failed: ipc-test: the registry is away', 'answered answer'],
  });
  await exited;
});
