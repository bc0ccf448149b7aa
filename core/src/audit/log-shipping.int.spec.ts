import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import t from 'tap';
import { createLogger } from '../logging/index.js';
import { waitFor } from '../testing/index.js';
import { createLogShipper, parseLogLine } from './log-shipping.js';
import { logStoreAdapters } from './log-stores.testing.js';
import { redacted } from './sanitize.js';
import type { ApplicationLog } from './types.js';

/** Runs `body` with whatever is written to process.stdout captured instead of printed. */
async function capturingStdout(body: () => Promise<void>): Promise<string[]> {
  const written: string[] = [];
  const original = Object.getOwnPropertyDescriptor(process.stdout, 'write');
  process.stdout.write = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  try {
    await body();
  } finally {
    if (original === undefined) Reflect.deleteProperty(process.stdout, 'write');
    else Object.defineProperty(process.stdout, 'write', original);
  }
  return written;
}

for (const adapter of logStoreAdapters) {
  t.test(adapter.name, async (t) => {
    const { store, clear, close } = await adapter.open();
    t.teardown(close);
    t.afterEach(clear);
    const lines = () => store.readLogs('application_logs', 1000);

    t.test('log lines are shipped with no password, token, journal text or search words', async (t) => {
      const canary = `canary-${randomUUID()}`;
      const shipper = createLogShipper({ store, service: 'test-service' });
      const logger = pino({ level: 'trace', name: 'test-service' }, shipper.stream);
      logger.info(
        {
          reqId: 'req-1',
          req: {
            method: 'POST',
            url: `/v1/search?q=${canary}`,
            headers: { authorization: `Bearer ${canary}`, cookie: `sid=${canary}`, 'idempotency-key': canary },
          },
        },
        'incoming request',
      );
      logger.warn(
        {
          reqId: 'req-1',
          body: {
            email: `${canary}@example.com`,
            password: canary,
            refreshToken: canary,
            title: canary,
            content: canary,
            tags: [canary],
            mood: 'happy',
            date: '2026-11-22',
          },
          userId: 'u-ana',
        },
        'entry refused',
      );
      logger.error({ err: new Error(canary), token: canary, q: canary, summary: canary }, 'a failure');
      logger.child({ component: 'projector', location: canary }).debug({ position: 42 }, 'applied');
      shipper.stream.write(JSON.stringify({ level: 60, time: 0, msg: 'fatal', reason: canary }) + '\n');
      await shipper.flush();

      const rows = await lines();
      t.notMatch(JSON.stringify(rows), canary, 'no canary anywhere in application_logs');
      t.match(
        rows.filter((row) => row.level !== 'fatal'),
        [
          {
            level: 'info',
            service: 'test-service',
            message: 'incoming request',
            requestId: 'req-1',
            context: {
              req: {
                method: 'POST',
                url: '/v1/search',
                headers: { authorization: redacted, cookie: redacted, 'idempotency-key': redacted },
              },
            },
          },
          {
            level: 'warn',
            message: 'entry refused',
            context: {
              body: { password: redacted, title: redacted, tags: [redacted], mood: 'happy', date: '2026-11-22' },
              userId: 'u-ana',
            },
          },
          {
            level: 'error',
            message: 'a failure',
            requestId: null,
            context: { err: { type: 'Error', message: redacted, stack: redacted }, token: redacted },
          },
          { level: 'debug', message: 'applied', context: { component: 'projector', location: redacted, position: 42 } },
        ],
        'in time order',
      );
      const fatal = rows.find((row) => row.level === 'fatal');
      t.match(fatal, { message: 'fatal', context: { reason: redacted } });
      t.same(fatal?.time, new Date(0), 'its time (first in time order)');
      for (const row of rows) t.type(row.time, Date);
      t.equal(shipper.dropped(), 0);
      await shipper.close();
    });

    t.test('createLogger with a shipper writes to stdout and ships, after its redaction', async (t) => {
      const canary = `canary-${randomUUID()}`;
      const shipper = createLogShipper({ store, service: 'tee' });
      const logger = createLogger({ level: 'info', pretty: false }, 'tee', shipper.stream);
      const printed = await capturingStdout(async () => {
        logger.info({ body: { password: canary, mood: 'calm' }, reqId: 'req-2' }, 'hello');
        logger.debug('below the level');
      });
      await shipper.flush();
      t.equal(printed.length, 1, 'one line on stdout');
      t.match(JSON.parse(printed[0] ?? '{}'), { msg: 'hello', body: { password: '[redacted]', mood: 'calm' } });
      t.notMatch(printed.join(''), canary, 'the logger redacts what it prints');
      const rows = await lines();
      t.match(rows, [{ service: 'tee', level: 'info', message: 'hello', requestId: 'req-2' }]);
      t.equal(rows.length, 1, 'the debug line is below the level');
      t.notMatch(JSON.stringify(rows), canary);
      await shipper.close();
    });

    t.test('lines are written in batches: a full batch at once, the rest after flushMs', async (t) => {
      const shipper = createLogShipper({ store, service: 'batches', maxBatch: 5, flushMs: 600_000 });
      const logger = pino({ level: 'info' }, shipper.stream);
      for (let i = 0; i < 5; i++) logger.info({ i }, 'line');
      await waitFor(async () => ((await lines()).length === 5 ? true : undefined), 5_000, 'the full batch');
      await shipper.close();

      const timed = createLogShipper({ store, service: 'batches', flushMs: 100 });
      pino({ level: 'info' }, timed.stream).info('later');
      await waitFor(async () => ((await lines()).length === 6 ? true : undefined), 5_000, 'the timed write');
      t.pass('written without a flush');
      await timed.close();
    });
  });
}

t.test('a failing store drops its batch without throwing; lines that are not JSON are counted', async (t) => {
  let attempts = 0;
  const shipper = createLogShipper({
    store: {
      appendApplicationLogs: async () => {
        attempts += 1;
        throw new Error('store down');
      },
    },
    service: 'failing',
  });
  const logger = pino({ level: 'info' }, shipper.stream);
  logger.info('one');
  logger.info('two');
  shipper.stream.write('not json\n');
  shipper.stream.write('[1, 2]\n');
  await shipper.flush();
  t.equal(attempts, 1, 'one batch');
  t.equal(shipper.dropped(), 4);
  await shipper.close();
  logger.info('after close');
  t.equal(shipper.dropped(), 5, 'a closed shipper drops');
});

t.test('beyond maxBuffered waiting lines, new ones are dropped and counted', async (t) => {
  const written: ApplicationLog[] = [];
  const shipper = createLogShipper({
    store: {
      appendApplicationLogs: async (batch) => {
        written.push(...batch);
      },
    },
    service: 'bounded',
    maxBuffered: 3,
    flushMs: 600_000,
  });
  const logger = pino({ level: 'info' }, shipper.stream);
  for (let i = 0; i < 10; i++) logger.info({ i }, 'line');
  t.equal(shipper.dropped(), 7);
  await shipper.close();
  t.same(
    written.map((line) => line.context.i),
    [0, 1, 2],
  );
});

t.test('a line: pino levels become labels, times dates, reqId the request id', async (t) => {
  const labels = [10, 20, 30, 40, 50, 60].map((level) => parseLogLine(JSON.stringify({ level }), 's')?.level);
  t.same(labels, ['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
  t.equal(parseLogLine(JSON.stringify({ level: 'warn' }), 's')?.level, 'warn');
  t.equal(parseLogLine(JSON.stringify({ level: 35 }), 's')?.level, '35');
  t.same(
    parseLogLine(JSON.stringify({ time: '2026-11-22T09:00:00.000Z' }), 's')?.time,
    new Date('2026-11-22T09:00:00Z'),
  );
  t.match(parseLogLine(JSON.stringify({ reqId: 7, msg: 'm\u0000', hostname: 'h1', pid: 9, v: 1 }), 's'), {
    requestId: '7',
    message: 'm',
    context: { hostname: 'h1', pid: 9 },
  });
  t.equal(parseLogLine(JSON.stringify({ msg: { secret: 'x' } }), 's')?.message, '', 'only a string is a message');
  t.equal(parseLogLine('{', 's'), undefined);
  // Text every store takes: a lone surrogate, or a pair cut in two by the length limit, is U+FFFD.
  const cut = parseLogLine(JSON.stringify({ msg: `${'a'.repeat(1998)}😀 and more`, mood: 'x\ud800' }), 's');
  t.equal(cut?.message, `${'a'.repeat(1998)}\ufffd…`, 'the half of a pair left by the cut');
  t.same(cut?.context, { mood: 'x\ufffd' }, 'a lone surrogate in a kept field');
});
