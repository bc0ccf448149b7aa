import { entryStream } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { readAll, startOfLog, type EventStoreTables, type RecordedEvent } from '@mindflow/core/eventstore';
import type { HttpServer } from '@mindflow/core/http';
import { waitFor } from '@mindflow/core/testing';
import type { Kysely } from 'kysely';
import { signedInWriters } from './testing.js';

/** What a projection test delivers: one writer's events in order, and with newer versions first. */
export interface LateVersions<E> {
  readonly userId: string;
  /** Created at v1, updated at v2 and v3 (v3 sets every field v2 set). */
  readonly kept: string;
  /** Created at v1, updated at v2 (mood, tags), deleted at v3. */
  readonly gone: string;
  /** The writer's events in the order of the log. */
  readonly inOrder: readonly E[];
  /**
   * The same, as a reader that got streams out of order would deliver them: `kept`'s v3 before
   * its v2, `gone`'s delete before the update it follows, the second profile change before the
   * first.
   */
  readonly late: readonly E[];
}

/**
 * Writes the scenario through the command routes (registration, two entries, two profile
 * changes) and reads the writer's events back from the log, opened with `decode`.
 */
export async function lateVersions<W extends EventStoreTables, E extends RecordedEvent | DecodedEvent<MindflowEvents>>(
  app: HttpServer,
  writeDb: Kysely<W>,
  decode: (event: RecordedEvent) => Promise<E>,
): Promise<LateVersions<E>> {
  const [writer] = await signedInWriters(app, 1);
  if (writer === undefined) throw new Error('no writer');
  const send = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, version?: number) => {
    const response = await app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${writer.token}`,
        ...(version === undefined ? {} : { 'if-match': `"${String(version)}"` }),
      },
      ...(payload === undefined ? {} : { payload }),
    });
    if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.body}`);
    return response.json<{ id: string; position: number }>();
  };
  const edit = (version: number, mood: string, tags: string[]) => ({
    title: `Version ${String(version)}`,
    content: `words of version ${String(version)}`,
    mood,
    tags,
    date: `2026-10-0${String(version)}`,
  });
  const kept = await send('POST', '/v1/entries', edit(1, 'sad', ['one']));
  await send('PATCH', `/v1/entries/${kept.id}`, edit(2, 'happy', ['two']), 1);
  await send('PATCH', `/v1/entries/${kept.id}`, edit(3, 'angry', ['three']), 2);
  const gone = await send('POST', '/v1/entries', { ...edit(4, 'neutral', ['four']), date: '2026-09-01' });
  await send('PATCH', `/v1/entries/${gone.id}`, { mood: 'ecstatic', tags: ['five'] }, 1);
  await send('DELETE', `/v1/entries/${gone.id}`);
  await send('PATCH', '/v1/me', { displayName: 'Writer Two', timezone: 'Europe/Paris' });
  const last = await send('PATCH', '/v1/me', { displayName: 'Writer Three', timezone: 'Asia/Tokyo' });

  // Once the log hands them out (a transaction elsewhere on the server may hold it back).
  const events = await waitFor(
    async () => {
      const mine = (await readAll(writeDb, startOfLog, 1_000_000)).filter((event) => event.userId === writer.id);
      return mine.some((event) => event.globalPosition === last.position) ? mine : undefined;
    },
    15_000,
    'the events in the log',
  );
  const inOrder = await Promise.all(events.map((event) => decode(event)));
  const swap = (list: readonly E[], first: E | undefined, second: E | undefined) => {
    if (first === undefined || second === undefined) throw new Error('no such events');
    return list.map((event) => (event === first ? second : event === second ? first : event));
  };
  const of = (id: string, version: number) =>
    inOrder.find((event) => event.streamId === entryStream(id) && event.streamVersion === version);
  const [firstChange, secondChange] = inOrder.filter((event) => event.type === 'UserProfileUpdated');
  const late = swap(
    swap(swap(inOrder, of(kept.id, 2), of(kept.id, 3)), of(gone.id, 2), of(gone.id, 3)),
    firstChange,
    secondChange,
  );
  return { userId: writer.id, kept: kept.id, gone: gone.id, inOrder, late };
}
