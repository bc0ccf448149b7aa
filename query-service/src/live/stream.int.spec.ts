import { setTimeout as sleep } from 'node:timers/promises';
import { connectPostgres } from '@mindflow/core/postgres';
import { readEventStream } from '@mindflow/core/testing';
import { sql } from 'kysely';
import t from 'tap';
import { queryServiceForTest, testWriters, type TestWriter } from '../testing.js';

const platform = await queryServiceForTest({ reads: { live: { streamsPerUser: 2, heartbeatMs: 200 } } });
t.teardown(() => platform.close());
const base = await platform.app.listen({ port: 0, host: '127.0.0.1' });
const [alice, bob] = await testWriters(platform.app, 2);
if (alice === undefined || bob === undefined) throw new Error('two writers');

interface Message {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: { type: string; id: string; position: number };
}

/** A client of GET /v1/stream, as a browser's EventSource reads it. */
async function openStream(
  writer: TestWriter,
  lastEventId?: string,
  credentials: Record<string, string> = { authorization: `Bearer ${writer.token}` },
) {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/stream`, {
    headers: {
      ...credentials,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
    signal: controller.signal,
  });
  const messages: Message[] = [];
  const comments: string[] = [];
  const reading = readEventStream(response, {
    onEvent: ({ id, event, data }) => messages.push({ id, event, data: JSON.parse(data) as Message['data'] }),
    onComment: (comment) => comments.push(comment),
  });
  return {
    response,
    messages,
    comments,
    /** Waits for a message that `matches` (3 s at most). */
    async next(matches: (message: Message) => boolean) {
      for (let waited = 0; waited < 3_000; waited += 20) {
        const found = messages.find(matches);
        if (found !== undefined) return found;
        await sleep(20);
      }
      return undefined;
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

t.test(
  'a second device hears of an entry written on the first, once the read model shows it; another user hears nothing',
  async (t) => {
    const laptop = await openStream(alice);
    const phone = await openStream(alice);
    const other = await openStream(bob);
    t.teardown(async () => {
      await Promise.all([laptop.close(), phone.close(), other.close()]);
    });
    t.equal(phone.response.status, 200);
    t.match(phone.response.headers.get('content-type'), /^text\/event-stream/);

    const written = await alice.write({
      date: '2026-03-01',
      title: 'Sunday walk',
      content: 'by the river',
      mood: 'happy',
    });
    const heard = await phone.next((message) => message.data.id === written.id);
    t.same(heard?.data, { type: 'entry-created', id: written.id, position: written.position }, 'ids only, no text');
    t.equal(heard?.event, 'entry-created');
    t.equal(heard?.id, String(written.position), 'the SSE id is the position');
    // Sent once the read model has the entry: a read without X-Min-Position already sees it.
    const read = await alice.get(`/v1/entries/${written.id}`);
    t.equal(read.statusCode, 200, 'a read on the update finds the entry');
    t.ok(await laptop.next((message) => message.data.id === written.id), 'the first device hears it too');

    await alice.command('DELETE', `/v1/entries/${written.id}`);
    t.ok(await phone.next((message) => message.data.type === 'entry-deleted' && message.data.id === written.id));
    await sleep(300);
    t.same(other.messages, [], "bob's stream hears nothing of alice's");
    t.ok(other.comments.length > 0, 'heartbeats keep an idle stream alive');
  },
);

t.test('a reconnect with Last-Event-ID is sent what it missed, once each', async (t) => {
  const stream = await openStream(alice);
  const first = await alice.write({ date: '2026-03-02', title: 'one', content: 'a', mood: 'neutral' });
  const seen = await stream.next((message) => message.data.id === first.id);
  await stream.close();
  t.ok(seen, 'heard before going away');

  // Away: two writes and a delete.
  const second = await alice.write({ date: '2026-03-03', title: 'two', content: 'b', mood: 'sad' });
  const third = await alice.write({ date: '2026-03-04', title: 'three', content: 'c', mood: 'happy' });
  await alice.command('DELETE', `/v1/entries/${second.id}`);
  await sleep(300);

  const back = await openStream(alice, seen?.id);
  t.teardown(() => back.close());
  const missed = await back.next((message) => message.data.type === 'entry-deleted' && message.data.id === second.id);
  t.ok(missed, 'the delete made while away arrives');
  const ids = back.messages.map((message) => `${message.data.type} ${message.data.id}`);
  t.ok(ids.includes(`entry-created ${second.id}`) && ids.includes(`entry-created ${third.id}`), 'both writes arrive');
  t.notOk(ids.includes(`entry-created ${first.id}`), 'what it had seen is not sent again');
  t.equal(new Set(ids).size, ids.length, 'nothing twice');
});

t.test('an update waits for the read model: none while it is held up, then one a read sees', async (t) => {
  const stream = await openStream(alice);
  t.teardown(() => stream.close());
  await alice.write({ date: '2026-03-05', title: 'warm-up', content: 'w', mood: 'happy' });
  await sleep(300);
  // The read model cannot record alice's read point while this transaction holds her row.
  const read = connectPostgres('read', platform.readUrl, 1);
  t.teardown(() => read.close());
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const transaction = read.db.transaction().execute(async (trx) => {
    await sql`select 1 from profile_view where user_id = ${alice.id} for update`.execute(trx);
    held();
    await released;
  });
  await holding;
  const written = await alice.write({ date: '2026-03-06', title: 'held', content: 'h', mood: 'sad' });
  await sleep(700);
  t.notOk(
    stream.messages.some((message) => message.data.id === written.id),
    'no update while the read model has not applied the entry',
  );
  release();
  await transaction;
  t.ok(await stream.next((message) => message.data.id === written.id), 'the update comes once it has');
  t.equal((await alice.get(`/v1/entries/${written.id}`)).statusCode, 200, 'and a read on it finds the entry');
});

t.test(
  'streams per account are capped (429 in words), a closed one frees its place; no token, no stream',
  async (t) => {
    const one = await openStream(bob);
    const two = await openStream(bob);
    const three = await fetch(`${base}/v1/stream`, { headers: { authorization: `Bearer ${bob.token}` } });
    t.equal(three.status, 429);
    t.equal(three.headers.get('retry-after'), '1', 'when to try again: a heartbeat, in whole seconds');
    t.match(await three.json(), { error: { code: 'TOO_MANY_STREAMS', message: /close one/ } });
    await one.close();
    await sleep(200);
    const again = await openStream(bob);
    t.equal(again.response.status, 200, 'a closed stream frees its place');
    await Promise.all([two.close(), again.close()]);

    const anonymous = await fetch(`${base}/v1/stream`);
    t.equal(anonymous.status, 401);
    const forged = await fetch(`${base}/v1/stream`, {
      headers: { authorization: `Bearer ${bob.token}`, 'last-event-id': '1e9' },
    });
    t.equal(forged.status, 400, 'a Last-Event-ID that is not a position is refused');
  },
);

t.test(
  'a browser’s EventSource signs in with the stream cookie: sent to the stream only, ended by logout',
  async (t) => {
    const email = `cookie-${Date.now()}@example.com`;
    const password = 'correct horse battery';
    const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
    const json = { 'content-type': 'application/json' };
    const registered = await fetch(`${base}/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password, displayName: 'Cookie', consent }),
    });
    t.equal(registered.status, 201);
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password }),
    });
    const session = (await login.json()) as { accessToken: string; refreshToken: string; user: { id: string } };
    const cookie = login.headers.getSetCookie().find((line) => line.startsWith('mindflow_stream='));
    t.match(cookie, /; Path=\/v1\/stream/, 'sent to the stream only');
    t.match(cookie, /; HttpOnly/i);
    t.match(cookie, /; SameSite=Strict/i);
    const credentials = { cookie: cookie?.split(';')[0] ?? '' };
    const writer: TestWriter = { ...alice, id: session.user.id, token: session.accessToken };

    const browser = await openStream(writer, undefined, credentials);
    t.equal(browser.response.status, 200, 'the cookie alone opens the stream');
    const created = await fetch(`${base}/v1/entries`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${session.accessToken}` },
      body: JSON.stringify({ date: '2026-03-04', title: 'By cookie', content: 'Heard.' }),
    });
    const written = (await created.json()) as { id: string };
    t.ok(await browser.next((m) => m.data.id === written.id), 'and the stream hears the writer’s entry');
    await browser.close();
    const elsewhere = await fetch(`${base}/v1/me`, { headers: credentials });
    t.equal(elsewhere.status, 401, 'no other route takes the cookie as a credential');

    const out = await fetch(`${base}/v1/auth/logout`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
    t.equal(out.status, 204);
    t.match(out.headers.getSetCookie().join('\n'), /mindflow_stream=;/, 'the logout clears it');
    await sleep(1100); // sessions are trusted locally for up to 1 s
    const after = await fetch(`${base}/v1/stream`, { headers: credentials });
    t.equal(after.status, 401, 'a cookie kept past the logout opens nothing');
  },
);
