import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { createMemoryCache } from '@mindflow/core/cache';
import { createLogger } from '@mindflow/core/logging';
import { createOpenAiWriter, type OpenAiWriterOptions } from './openai-writer.js';
import type { InsightBrief, InsightWriter } from './types.js';

const secretExcerpt = 'I told Marta about the diagnosis today.';

const sampleBrief = (excerpt = secretExcerpt): InsightBrief => ({
  kind: 'weekly',
  from: '2025-03-03',
  to: '2025-03-09',
  language: 'en',
  stats: {
    entries: 5,
    entriesAnalyzed: 5,
    totalWords: 812,
    averageWords: 162,
    mostProductiveWeekday: 'tuesday',
    longestStreak: 4,
    moods: { positive: 60, neutral: 20, negative: 20 },
    dominantMood: 'positive',
    themes: [{ phrase: 'morning run', count: 3, sentiment: 0.6 }],
    milestones: [],
  },
  excerpts: [excerpt],
});

const local: InsightWriter = {
  name: 'local',
  write: async () => ({ summary: 'local', suggestions: [], writtenBy: 'local' }),
};
const fromLocal = { summary: 'local', suggestions: [], writtenBy: 'local' };

const goodAnswer = { summary: 'You wrote on five days this week.', suggestions: ['Keep your morning runs.'] };
const fromModel = { ...goodAnswer, writtenBy: 'test-model' };

interface Reply {
  readonly status?: number;
  /** The message content; a string is sent as it is, anything else as JSON. */
  readonly content?: unknown;
  readonly delayMs?: number;
}

interface Received {
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A chat completions server: `reply` decides each answer; `received` records each request. */
async function startServer(t: Test, reply: (hit: number) => Reply) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ url: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const { status = 200, content = goodAnswer, delayMs = 0 } = reply(received.length);
      const answer = {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content: typeof content === 'string' ? content : JSON.stringify(content) },
          },
        ],
      };
      const timer = setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? JSON.stringify(answer) : JSON.stringify({ error: { message: 'no' } }));
      }, delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${String(port)}/v1/`, received, hits: () => received.length };
}

function writer(url: string, options: Partial<OpenAiWriterOptions> = {}) {
  return createOpenAiWriter({
    url,
    model: 'test-model',
    apiKey: 'sk-test',
    timeoutMs: 2000,
    retries: 0,
    cache: createMemoryCache(),
    fallback: local,
    logger: createLogger({ level: 'silent', pretty: false }, 'openai-writer-test'),
    ...options,
  });
}

t.test('a good answer comes back, asked for with the model, key, temperature 0 and the brief', async (t) => {
  const server = await startServer(t, () => ({}));
  const prose = await writer(server.url).write(sampleBrief());
  t.same(prose, fromModel);
  t.equal(server.hits(), 1);
  const [request] = server.received;
  t.equal(request?.url, '/v1/chat/completions', 'joined without a double slash');
  t.equal(request?.headers.authorization, 'Bearer sk-test');
  t.match(request?.body, { model: 'test-model', temperature: 0, response_format: { type: 'json_object' } });
  t.match(request?.body, {
    messages: [
      { role: 'system', content: /JSON/ },
      { role: 'user', content: String },
    ],
  });
  const { messages } = request?.body as { messages: { content: string }[] };
  t.same(JSON.parse(messages[1]?.content ?? 'null'), sampleBrief());
});

t.test('no key, no authorization header', async (t) => {
  const server = await startServer(t, () => ({}));
  t.same(await writer(server.url, { apiKey: undefined }).write(sampleBrief()), fromModel);
  t.equal(server.received[0]?.headers.authorization, undefined);
});

t.test('the same request is answered from the cache; another brief asks again', async (t) => {
  const server = await startServer(t, () => ({}));
  const cached = writer(server.url);
  t.same(await cached.write(sampleBrief()), fromModel);
  t.same(await cached.write(sampleBrief()), fromModel);
  t.equal(server.hits(), 1, 'served from the cache');
  t.same(await cached.write(sampleBrief('Another week.')), fromModel);
  t.equal(server.hits(), 2);
});

t.test('a server slower than the timeout: timed out, retried, then the fallback', async (t) => {
  const server = await startServer(t, () => ({ delayMs: 3000 }));
  const started = Date.now();
  const prose = await writer(server.url, { timeoutMs: 150, retries: 1 }).write(sampleBrief());
  const elapsed = Date.now() - started;
  t.same(prose, fromLocal);
  t.equal(server.hits(), 2, 'one retry');
  // two attempts of 150 ms and a 100 ms backoff, with room for a slow machine; far from 3 s
  t.ok(elapsed >= 380 && elapsed < 1500, `took ${String(elapsed)} ms`);
});

t.test('500 and 429 are retried, and the retry succeeds', async (t) => {
  const server = await startServer(t, (hit) => (hit === 1 ? { status: 500 } : hit === 2 ? { status: 429 } : {}));
  t.same(await writer(server.url, { retries: 2 }).write(sampleBrief()), fromModel);
  t.equal(server.hits(), 3);
});

t.test('retries stop at the number given', async (t) => {
  const server = await startServer(t, () => ({ status: 503 }));
  t.same(await writer(server.url, { retries: 2 }).write(sampleBrief()), fromLocal);
  t.equal(server.hits(), 3);
});

t.test('400 is not retried: the fallback answers, and it is not cached', async (t) => {
  const server = await startServer(t, () => ({ status: 400 }));
  const failing = writer(server.url, { retries: 3 });
  t.same(await failing.write(sampleBrief()), fromLocal);
  t.equal(server.hits(), 1);
  t.same(await failing.write(sampleBrief()), fromLocal);
  t.equal(server.hits(), 2, 'asked again: the fallback answer was not cached');
});

t.test('an answer that is not the JSON asked for falls back, without a retry', async (t) => {
  const malformed: unknown[] = [
    'Here is your summary: you wrote a lot.',
    { suggestions: ['Rest.'] },
    { summary: '  ', suggestions: [] },
    { summary: 'x'.repeat(1001), suggestions: [] },
    { summary: 'Fine.', suggestions: ['a', 'b', 'c', 'd', 'e', 'f'] },
    { summary: 'Fine.', suggestions: [''] },
    { summary: 'Fine.', suggestions: 'Rest.' },
  ];
  const server = await startServer(t, (hit) => ({ content: malformed[hit - 1] }));
  const failing = writer(server.url, { retries: 2, breaker: { failureThreshold: 100 } });
  for (const [index, content] of malformed.entries()) {
    t.same(await failing.write(sampleBrief(`Week ${String(index)}.`)), fromLocal, JSON.stringify(content).slice(0, 60));
  }
  t.equal(server.hits(), malformed.length, 'one request each');
});

t.test('the breaker opens after failures in a row, skips the server, then half-opens', async (t) => {
  let healthy = false;
  const server = await startServer(t, () => (healthy ? {} : { status: 500 }));
  const logger = createLogger({ level: 'silent', pretty: false }, 'openai-writer-test');
  const warnings = t.capture(logger, 'warn');
  const breaking = writer(server.url, { logger, retries: 1, breaker: { failureThreshold: 3, resetMs: 200 } });
  let week = 0;
  const write = () => breaking.write(sampleBrief(`Week ${String((week += 1))}. ${secretExcerpt}`));

  // a success between failures starts the count again
  for (let call = 0; call < 2; call++) t.same(await write(), fromLocal);
  healthy = true;
  t.same(await write(), fromModel);
  healthy = false;
  for (let call = 0; call < 2; call++) t.same(await write(), fromLocal);
  t.equal(breaking.breakerState(), 'closed', 'two failures in a row: still closed');
  t.equal(server.hits(), 9, 'each failed call made two attempts');

  t.same(await write(), fromLocal);
  t.equal(breaking.breakerState(), 'open', 'the third failure in a row opens it');
  t.equal(server.hits(), 11);
  healthy = true;
  for (let call = 0; call < 3; call++) t.same(await write(), fromLocal, 'open: the fallback, at once');
  t.equal(server.hits(), 11, 'open: the server is not called');

  // after resetMs one trial call: a failure opens it again…
  healthy = false;
  await sleep(250);
  t.equal(breaking.breakerState(), 'half-open');
  t.same(await write(), fromLocal);
  t.equal(breaking.breakerState(), 'open', 'a failed trial reopens it');
  t.equal(server.hits(), 13);

  // …and a success closes it
  healthy = true;
  await sleep(250);
  t.equal(breaking.breakerState(), 'half-open');
  t.same(await write(), fromModel);
  t.equal(breaking.breakerState(), 'closed');
  t.equal(server.hits(), 14);

  const calls = warnings.args();
  t.equal(calls.length, 9, 'a warning for each fallback');
  const logged = JSON.stringify(calls);
  t.match(logged, /HTTP 500/);
  t.match(logged, /open/);
  t.notMatch(logged, /Marta|Week/, 'no brief content in the log');
});
