import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { moods } from '@mindflow/core/domain';

/** A registered writer, with the password the load signs in with. */
export interface Writer {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  token: string;
  /** Days written so far: each new entry takes the next one (one entry per user per day). */
  days: number;
}

/** An entry as the acknowledged commands left it; `uncertain` once a command on it had no answer. */
export interface TrackedEntry {
  readonly id: string;
  readonly writer: Writer;
  version: number;
  deleted: boolean;
  uncertain: boolean;
}

export type CommandKind = 'create' | 'update' | 'delete' | 'restore' | 'login';

/** One command sent: when, and its HTTP status, or why it got none. */
export interface Sent {
  readonly kind: CommandKind;
  readonly requestId: string;
  readonly at: number;
  readonly outcome: number | 'error' | 'timeout';
  readonly ms: number;
}

export const acknowledged = (sent: Sent): boolean => typeof sent.outcome === 'number' && sent.outcome < 300;

const password = 'correct horse battery';
const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
const timeoutMs = 10_000;

async function call(
  url: string,
  init: { method: string; token?: string; body?: unknown; headers?: Record<string, string>; requestId?: string },
): Promise<{ status: number | 'error' | 'timeout'; body: unknown; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: init.method,
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
        ...(init.requestId === undefined ? {} : { 'x-request-id': init.requestId }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, body, ms: performance.now() - started };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { status: timedOut ? 'timeout' : 'error', body: undefined, ms: performance.now() - started };
  }
}

const field = (body: unknown, name: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;

/** Registers and signs in `count` writers through the command service's HTTP API. */
export async function registerWriters(commandsUrl: string, count: number): Promise<Writer[]> {
  const writers: Writer[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${randomUUID()}@example.com`;
    const registered = await call(`${commandsUrl}/v1/auth/register`, {
      method: 'POST',
      body: { email, password, displayName: `Writer ${i}`, timezone: 'UTC', consent },
    });
    if (registered.status !== 201)
      throw new Error(`register: ${String(registered.status)} ${JSON.stringify(registered.body)}`);
    const session = await call(`${commandsUrl}/v1/auth/login`, { method: 'POST', body: { email, password } });
    const token = field(session.body, 'accessToken');
    const user = field(session.body, 'user');
    const id = field(user, 'id');
    if (typeof token !== 'string' || typeof id !== 'string') throw new Error(`login: ${JSON.stringify(session.body)}`);
    writers.push({ id, email, password, token, days: 0 });
  }
  return writers;
}

export interface Load {
  readonly writers: readonly Writer[];
  readonly entries: readonly TrackedEntry[];
  readonly sent: readonly Sent[];
  /** Reads sent to the query service (to fill the cache), and how many were answered 200. */
  readonly reads: { sent: number; ok: number };
  /** Stops sending and waits for the commands in flight. */
  stop(): Promise<void>;
}

const entriesPerWriter = 8;

/** The writer's n-th day, from 1 January 2026. */
const dayOf = (n: number) => new Date(Date.UTC(2026, 0, n)).toISOString().slice(0, 10);

/**
 * Write load through the command service's HTTP API: each writer, one command at a time,
 * creates entries, updates them with If-Match, deletes and restores them and signs in; now and
 * then it reads its entries through the query service, which fills the cache. Every command
 * carries a request id of its own, so the stores can be searched for it.
 */
export function startLoad(options: {
  commandsUrl: string;
  queryUrl?: string;
  writers: readonly Writer[];
  /** The pause between two commands of one writer. */
  pauseMs: number;
  /** Entries earlier loads left (updated in place, and added to). */
  entries?: TrackedEntry[];
}): Load {
  const entries = options.entries ?? [];
  const sent: Sent[] = [];
  const reads = { sent: 0, ok: 0 };
  const state = { on: true };
  const running = () => state.on;

  const command = async (
    kind: CommandKind,
    url: string,
    method: string,
    writer: Writer,
    body?: unknown,
    headers?: Record<string, string>,
  ) => {
    const requestId = randomUUID();
    const at = Date.now();
    const answer = await call(`${options.commandsUrl}${url}`, {
      method,
      token: kind === 'login' ? undefined : writer.token,
      body,
      ...(headers === undefined ? {} : { headers }),
      requestId,
    });
    sent.push({ kind, requestId, at, outcome: answer.status, ms: Math.round(answer.ms) });
    return answer;
  };

  const step = async (writer: Writer) => {
    const mine = entries.filter((entry) => entry.writer === writer && !entry.uncertain);
    const active = mine.filter((entry) => !entry.deleted);
    const deleted = mine.filter((entry) => entry.deleted);
    const roll = Math.random();
    const pick = <T>(list: readonly T[]): T | undefined => list[randomInt(Math.max(1, list.length))];
    const track = (
      entry: TrackedEntry,
      answer: { status: number | 'error' | 'timeout'; body: unknown },
      deletes?: boolean,
    ) => {
      if (typeof answer.status !== 'number') entry.uncertain = true;
      else if (answer.status < 300) {
        const version = field(answer.body, 'version');
        if (typeof version === 'number') entry.version = version;
        if (deletes !== undefined) entry.deleted = deletes;
      }
    };
    if ((roll < 0.15 || active.length === 0) && mine.length < entriesPerWriter) {
      writer.days += 1;
      const day = writer.days;
      const date = dayOf(day);
      const answer = await command('create', '/v1/entries', 'POST', writer, {
        date,
        title: `Day ${day}`,
        content: 'first words of the day',
        mood: pick(moods),
        tags: [`t${day % 3}`],
      });
      const id = field(answer.body, 'id');
      if (typeof answer.status === 'number' && answer.status < 300 && typeof id === 'string') {
        entries.push({ id, writer, version: 1, deleted: false, uncertain: false });
      }
      return;
    }
    const entry = pick(active);
    if (roll < 0.55 && entry !== undefined) {
      const answer = await command(
        'update',
        `/v1/entries/${entry.id}`,
        'PATCH',
        writer,
        { mood: pick(moods), content: `words ${randomUUID()}`, tags: [`t${randomInt(4)}`] },
        { 'if-match': `"${entry.version}"` },
      );
      track(entry, answer);
    } else if (roll < 0.65 && entry !== undefined && active.length > 1) {
      track(entry, await command('delete', `/v1/entries/${entry.id}`, 'DELETE', writer), true);
    } else if (roll < 0.75 && deleted.length > 0) {
      const restored = pick(deleted);
      if (restored !== undefined) {
        track(restored, await command('restore', `/v1/entries/${restored.id}/restore`, 'POST', writer), false);
      }
    } else if (roll < 0.85) {
      const answer = await command('login', '/v1/auth/login', 'POST', writer, {
        email: writer.email,
        password: writer.password,
      });
      const token = field(answer.body, 'accessToken');
      if (typeof token === 'string') writer.token = token;
    } else if (options.queryUrl !== undefined) {
      reads.sent += 1;
      const answer = await call(`${options.queryUrl}/v1/entries`, { method: 'GET', token: writer.token });
      if (answer.status === 200) reads.ok += 1;
    }
  };

  const workers = options.writers.map(async (writer) => {
    while (running()) {
      await step(writer);
      await sleep(options.pauseMs);
    }
  });
  return {
    writers: options.writers,
    entries,
    sent,
    reads,
    stop: async () => {
      state.on = false;
      await Promise.all(workers);
    },
  };
}

/** The last command of each writer once the load has stopped: an acknowledged update, retried until answered. */
export interface Sentinel {
  readonly writer: Writer;
  readonly entryId: string;
  readonly version: number;
  readonly position: number;
  readonly requestId: string;
}

/**
 * After the load: one more acknowledged command per writer (an update of one of its entries, or
 * a new entry), retried for up to `timeoutMs`. A user's events stay in order on one partition,
 * so a store that shows a writer's sentinel has applied everything of that writer before it.
 */
export async function sendSentinels(load: Load, commandsUrl: string, timeoutMs = 60_000): Promise<Sentinel[]> {
  const deadline = Date.now() + timeoutMs;
  return Promise.all(
    load.writers.map(async (writer) => {
      for (;;) {
        const entry = load.entries.find(
          (candidate) => candidate.writer === writer && !candidate.uncertain && !candidate.deleted,
        );
        const requestId = randomUUID();
        const answer =
          entry === undefined
            ? await call(`${commandsUrl}/v1/entries`, {
                method: 'POST',
                token: writer.token,
                requestId,
                body: {
                  date: dayOf(++writer.days),
                  title: 'Last',
                  content: 'the last words',
                  mood: 'happy',
                },
              })
            : await call(`${commandsUrl}/v1/entries/${entry.id}`, {
                method: 'PATCH',
                token: writer.token,
                requestId,
                headers: { 'if-match': `"${entry.version}"` },
                body: { content: `the last words ${requestId}` },
              });
        const version = field(answer.body, 'version');
        const position = field(answer.body, 'position');
        const id = entry?.id ?? field(answer.body, 'id');
        if (
          typeof answer.status === 'number' &&
          answer.status < 300 &&
          typeof version === 'number' &&
          typeof position === 'number' &&
          typeof id === 'string'
        ) {
          if (entry !== undefined) entry.version = version;
          return { writer, entryId: id, version, position, requestId };
        }
        if (entry !== undefined && typeof answer.status !== 'number') entry.uncertain = true;
        if (Date.now() > deadline)
          throw new Error(
            `no sentinel acknowledged for ${writer.id}: ${String(answer.status)} ${JSON.stringify(answer.body)}`,
          );
        await sleep(500);
      }
    }),
  );
}

/** Commands sent in [from, to): how many, how many were acknowledged, and the refusals by status. */
export function tally(sent: readonly Sent[], from = 0, to = Number.POSITIVE_INFINITY) {
  const window = sent.filter((command) => command.at >= from && command.at < to);
  const ok = window.filter(acknowledged).length;
  const refused: Record<string, number> = {};
  for (const command of window.filter((one) => !acknowledged(one))) {
    const key = String(command.outcome);
    refused[key] = (refused[key] ?? 0) + 1;
  }
  const ms = window.map((command) => command.ms).sort((a, b) => a - b);
  return {
    sent: window.length,
    acknowledged: ok,
    p50Ms: ms[Math.floor(ms.length / 2)] ?? 0,
    maxMs: ms.at(-1) ?? 0,
    answeredPercent: window.length === 0 ? 100 : Math.round((1000 * ok) / window.length) / 10,
    refused,
  };
}
