import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { readEventStream } from '@mindflow/core/testing';
import t, { type Test } from 'tap';
import { startEmbeddedPlatform } from './testing/embedded-platform.js';
import { callOnFreshConnection } from './testing/fresh-connection.js';

// `npm start` with two HTTP processes on one port, on the embedded default (no Redis): what one
// process counts, registers or revokes must hold in the other. Each request below opens its
// own connection, and the cluster's primary hands connections to the workers in turn, so a
// state kept per process would let twice as much through.
t.setTimeout(240_000);

const perUser = 12;
const streamsPerUser = 3;
const platform = await startEmbeddedPlatform({
  MINDFLOW_WORKERS: '2',
  RATE_LIMIT_PER_USER: String(perUser),
  LIVE_STREAMS_PER_USER: String(streamsPerUser),
});
t.teardown(() => platform.close());
const base = new URL(platform.base);

// Ready once the leader serves; the follower starts after it. Both must answer before the tests.
const roles = new Set<string>();
for (let tries = 0; roles.size < 2 && tries < 600; tries += 1) {
  const metrics = await call('GET', '/metrics');
  for (const [, role] of metrics.text.matchAll(/^mindflow_worker_info\{role="(\w+)"/gm))
    if (role !== undefined) roles.add(role);
  if (roles.size < 2) await sleep(100);
}
if (roles.size < 2) throw new Error(`only ${[...roles].join(', ')} answered`);

/** One request on a connection of its own (no keep-alive): the cluster picks the next worker. */
function call(method: string, path: string, token?: string, body?: object) {
  return callOnFreshConnection(Number(base.port), method, path, token, body);
}

async function writer(): Promise<{ id: string; token: string; refreshToken: string }> {
  const email = `${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  const registered = await call('POST', '/v1/auth/register', undefined, {
    email,
    password,
    displayName: 'Writer',
    timezone: 'UTC',
    consent,
  });
  if (registered.status !== 201) throw new Error(JSON.stringify(registered.json));
  const session = await call('POST', '/v1/auth/login', undefined, { email, password });
  const { accessToken, refreshToken, user } = session.json as {
    accessToken: string;
    refreshToken: string;
    user: { id: string };
  };
  return { id: user.id, token: accessToken, refreshToken };
}

/** GET /v1/stream on a connection of its own, read as a browser's EventSource would. */
async function openStream(token: string) {
  const controller = new AbortController();
  const response = await fetch(`${platform.base}/v1/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const ids: string[] = [];
  let ended = false;
  const reading = readEventStream(response, {
    onEvent: ({ data }) => ids.push((JSON.parse(data) as { id: string }).id),
  }).then(() => {
    ended = true;
  });
  return {
    status: response.status,
    ended: () => ended,
    async heard(id: string) {
      for (let waited = 0; waited < 5_000; waited += 25) {
        if (ids.includes(id)) return true;
        await sleep(25);
      }
      return false;
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

t.test('a scrape of /metrics, whichever worker answers it, counts both', async (t) => {
  for (let scrape = 0; scrape < 2; scrape += 1) {
    const { text } = await call('GET', '/metrics');
    const named = [...text.matchAll(/^mindflow_worker_info\{role="(\w+)"/gm)].map(([, role]) => role).sort();
    t.same(named, ['follower', 'leader'], `scrape ${String(scrape + 1)} names the leader and the follower`);
  }
});

t.test("a writer's rate limit is one budget across the workers, not one per worker", async (t) => {
  const { token } = await writer();
  const statuses: number[] = [];
  for (let sent = 0; sent < 2 * perUser; sent += 1) statuses.push((await call('GET', '/v1/entries', token)).status);
  t.same(
    statuses,
    [...Array<number>(perUser).fill(200), ...Array<number>(perUser).fill(429)],
    `${String(perUser)} answered, then 429 for the rest of the window`,
  );
});

/** A new writer with as many streams open as the cap allows (closed at the end of `t`). */
async function writerAtTheCap(t: Test, what: string) {
  const { token } = await writer();
  const streams: Awaited<ReturnType<typeof openStream>>[] = [];
  for (let opened = 0; opened < streamsPerUser; opened += 1) streams.push(await openStream(token));
  t.teardown(async () => Promise.all(streams.map(async (stream) => stream.close())));
  t.same(
    streams.map((stream) => stream.status),
    Array<number>(streamsPerUser).fill(200),
    what,
  );
  return { token, streams };
}

t.test("the cap on open streams counts every worker's, and an entry reaches streams on both", async (t) => {
  const { token, streams } = await writerAtTheCap(t, 'the first streams open');
  const over = await openStream(token);
  t.equal(over.status, 429, 'one more is refused, whichever worker it reaches');
  await over.close();

  const created = await call('POST', '/v1/entries', token, {
    date: new Date().toISOString().slice(0, 10),
    title: 'Across',
    content: 'Heard everywhere.',
  });
  t.equal(created.status, 201, 'an entry is written');
  const entryId = String(created.json.id);
  const heard = await Promise.all(streams.map(async (stream) => stream.heard(entryId)));
  t.same(heard, Array<boolean>(streamsPerUser).fill(true), 'every open stream hears of it');

  await streams.pop()?.close();
  let reopened = await openStream(token);
  // The registry learns of a closed stream once the server sees the connection end.
  for (let tries = 0; reopened.status !== 200 && tries < 40; tries += 1) {
    await reopened.close();
    await sleep(50);
    reopened = await openStream(token);
  }
  streams.push(reopened);
  t.equal(reopened.status, 200, 'a closed stream frees its place for the next, on any worker');
});

t.test("a logout holds on every worker within the sessions' local time (500 ms)", async (t) => {
  const { token, refreshToken } = await writer();
  const before = await Promise.all([call('GET', '/v1/entries', token), call('GET', '/v1/entries', token)]);
  t.same(
    before.map((answer) => answer.status),
    [200, 200],
    'the token works on both workers, which now hold its session',
  );
  t.equal((await call('POST', '/v1/auth/logout', token, { refreshToken })).status, 204, 'logged out');
  await sleep(600);
  const after = [];
  for (let sent = 0; sent < 4; sent += 1) after.push((await call('GET', '/v1/entries', token)).status);
  t.same(after, [401, 401, 401, 401], 'refused by every worker');
});

t.test("a worker's death frees its streams' places at once, not once they go stale (45 s)", async (t) => {
  const followerPid = async () =>
    Number(
      /^mindflow_worker_info\{role="follower",pid="(\d+)"\}/m.exec((await call('GET', '/metrics')).text)?.[1] ?? 0,
    );
  // Which worker a stream reaches is the cluster's choice: kill the follower until it held one
  // of the writer's streams (it is started again within seconds each time).
  let found:
    { token: string; streams: Awaited<ReturnType<typeof writerAtTheCap>>['streams']; lost: number } | undefined;
  for (let attempt = 1; found === undefined && attempt <= 5; attempt += 1) {
    const { token, streams } = await writerAtTheCap(t, `attempt ${String(attempt)}: the streams open`);
    const pid = await followerPid();
    t.ok(pid > 0, 'the follower is named');
    process.kill(pid, 'SIGKILL');
    for (let waited = 0; !streams.some((stream) => stream.ended()) && waited < 3_000; waited += 25) await sleep(25);
    // The kernel resets all of the dead worker's connections at once, but a busy machine may read
    // their ends apart: count them once no other stream has ended for a while.
    let lost = streams.filter((stream) => stream.ended()).length;
    for (let quiet = 0; lost > 0 && quiet < 1_000; quiet += 50) {
      await sleep(50);
      const now = streams.filter((stream) => stream.ended()).length;
      if (now !== lost) [lost, quiet] = [now, 0];
    }
    if (lost > 0) found = { token, streams, lost };
    else {
      await Promise.all(streams.map(async (stream) => stream.close()));
      for (let waited = 0; [0, pid].includes(await followerPid()) && waited < 40_000; waited += 200) await sleep(200);
    }
  }
  if (found === undefined) throw new Error('the follower never held a stream');
  const { token, streams, lost } = found;
  t.pass(`the follower's streams ended with it (${String(lost)})`);
  const alive = streams.filter((stream) => !stream.ended());
  if (alive.length > 0) {
    const created = await call('POST', '/v1/entries', token, {
      date: new Date().toISOString().slice(0, 10),
      title: 'Still here',
      content: 'Heard by the streams that stayed.',
    });
    const heard = await Promise.all(alive.map(async (stream) => stream.heard(String(created.json.id))));
    t.same(heard, Array<boolean>(alive.length).fill(true), "the leader's streams stay open and hear on");
  }
  // The writer's app reconnects at once (EventSource): each lost stream must find its place.
  for (let i = 0; i < lost; i += 1) {
    const reopened = await openStream(token);
    streams.push(reopened);
    t.equal(reopened.status, 200, 'a stream of the dead worker is not counted any more');
  }
  const over = await openStream(token);
  t.equal(over.status, 429, 'and the cap still holds');
  await over.close();
});
