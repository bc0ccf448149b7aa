import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import t from 'tap';
import { generateDataKey, sealValue } from '../crypto/index.js';
import type { RecordedEvent } from '../eventstore/index.js';
import { createEventCodec, defineEvent, InvalidEvent, mindflowEvents } from './index.js';

const codec = createEventCodec(mindflowEvents);
const entryId = randomUUID();
const userId = randomUUID();

const created = {
  eventId: randomUUID(),
  type: 'EntryCreated' as const,
  occurredAt: new Date('2026-11-22T08:00:00Z'),
  userId,
  data: {
    entryId,
    date: '2026-11-22',
    title: 'Café at dawn',
    content: 'I ran along the river.',
    mood: 'happy' as const,
    tags: ['run'],
    location: 'Lisbon',
    weather: null,
    isPrivate: false,
    wordCount: 5,
    readingTime: 2,
  },
  metadata: { requestId: 'req-9', ip: '203.0.113.7', userAgent: 'Firefox', actorRole: 'user' },
};

function stored(event: ReturnType<typeof codec.encode>, schemaVersion = event.schemaVersion): RecordedEvent {
  return {
    ...event,
    schemaVersion,
    streamId: `entry-${entryId}`,
    streamVersion: 1,
    globalPosition: 1,
    transactionId: '1',
  };
}

t.test('encode seals personal fields and ip/userAgent; the rest stays readable', async (t) => {
  const encoded = codec.encode(created, generateDataKey());
  const json = JSON.stringify(encoded);
  for (const secret of ['Café', 'river', 'Lisbon', '203.0.113.7', 'Firefox', '"run"']) t.notMatch(json, secret, secret);
  t.match(encoded.data, { entryId, date: '2026-11-22', mood: 'happy', wordCount: 5 });
  t.match(encoded.data, { tags: { $sealed: 1 } }, 'tags are words the writer chose: sealed too');
  t.match(encoded.metadata, { requestId: 'req-9', actorRole: 'user' });
  t.equal(encoded.schemaVersion, 1);
});

t.test('decode with the key gives the event back; without it the personal fields are erased, marked', async (t) => {
  const key = generateDataKey();
  const encoded = stored(codec.encode(created, key));
  const decoded = codec.decode(encoded, key);
  t.same(decoded.data, created.data);
  t.same(decoded.metadata, created.metadata);
  t.same(decoded.erased, []);

  const shredded = codec.decode(encoded, undefined);
  t.match(shredded.data, { entryId, title: null, content: null, location: null, mood: 'happy' });
  t.match(shredded.data, { tags: [] }, 'erased tags read as no tags (their schema has no null)');
  t.same((shredded.data as { tags?: unknown }).tags, []);
  t.same([...shredded.erased].sort(), [
    'data.content',
    'data.location',
    'data.tags',
    'data.title',
    'data.weather',
    'metadata.ip',
    'metadata.userAgent',
  ]);
  t.throws(() => codec.decode(encoded, generateDataKey()), 'another key cannot open it');
});

t.test('nested personal fields of partial updates are sealed and erased too', async (t) => {
  const key = generateDataKey();
  const updated = codec.encode(
    {
      ...created,
      eventId: randomUUID(),
      type: 'EntryUpdated',
      data: { entryId, changes: { title: 'Tea instead', mood: 'neutral' } },
    },
    key,
  );
  t.notMatch(JSON.stringify(updated), 'Tea instead');
  const shredded = codec.decode(stored(updated), undefined);
  t.same(shredded.data, { entryId, changes: { title: null, mood: 'neutral' } });
  t.same(shredded.erased, ['data.changes.title', 'metadata.ip', 'metadata.userAgent']);
});

t.test('invalid data is refused when written and when read, naming the problem', async (t) => {
  const key = generateDataKey();
  const elated: unknown = 'elated'; // what a caller that skipped the types could send
  t.throws(() => codec.encode({ ...created, data: { ...created.data, mood: elated as 'happy' } }, key), InvalidEvent);
  t.throws(() => codec.encode({ ...created, data: { ...created.data, title: '' } }, key), {
    name: 'InvalidEvent',
    problems: [/\/title/],
  });
  t.throws(() => codec.encode(created, undefined), /personal data but there is no key/);
  const tampered = { ...stored(codec.encode(created, key)), data: { entryId: 'not-a-uuid' } };
  t.throws(() => codec.decode(tampered, key), InvalidEvent);
  t.throws(() => codec.decode({ ...tampered, type: 'Nonsense' }, key), { message: /unknown event type/ });
});

t.test('older versions are upcast step by step when read', async (t) => {
  // A catalog whose Greeted event went from { name } (v1) to { fullName } (v2) to { fullName, polite } (v3).
  const catalog = {
    Greeted: defineEvent(Type.Object({ fullName: Type.String(), polite: Type.Boolean() }), {
      version: 3,
      personal: ['fullName'],
      upcasters: {
        1: ({ name, ...rest }) => ({ ...rest, fullName: name }),
        2: (data) => ({ ...data, polite: true }),
      },
    }),
  };
  const greetings = createEventCodec(catalog);
  const v1 = firstVersionOf('Greeted', { name: 'Ana' });
  const decoded = greetings.decode(v1, undefined);
  t.equal(decoded.schemaVersion, 3);
  t.same(decoded.data, { fullName: 'Ana', polite: true });
  t.throws(() => greetings.decode({ ...v1, schemaVersion: 0 }, undefined), /no upcaster from version 0/);
});

t.test('decoding never changes the recorded event, however often it is read', async (t) => {
  // An upcaster that changes the object it is given, as a hasty one might.
  const catalog = {
    Noted: defineEvent(Type.Object({ text: Type.String(), seen: Type.Integer() }), {
      version: 2,
      upcasters: {
        1: (data) => {
          data.seen = 1;
          return data;
        },
      },
    }),
  };
  const notes = createEventCodec(catalog);
  const old = firstVersionOf('Noted', { text: 'kept' });
  t.same(notes.decode(old, undefined).data, { text: 'kept', seen: 1 });
  t.same(old.data, { text: 'kept' }, 'the upcaster was given a copy');
  t.same(notes.decode(old, undefined).data, { text: 'kept', seen: 1 }, 'a second reading reads the same');

  // A sealed value inside a nested object: opened in a copy, the recorded one still sealed.
  const key = generateDataKey();
  const updated = stored(
    codec.encode(
      {
        ...created,
        eventId: randomUUID(),
        type: 'EntryUpdated',
        data: { entryId, changes: { title: 'Tea', mood: 'sad' } },
      },
      key,
    ),
  );
  const before = JSON.stringify(updated);
  t.same(codec.decode(updated, key).data, { entryId, changes: { title: 'Tea', mood: 'sad' } });
  t.same(codec.decode(updated, undefined).data, { entryId, changes: { title: null, mood: 'sad' } });
  t.equal(JSON.stringify(updated), before, 'the recorded event is as it was');
});

t.test(
  'what was sealed before the door checked text is read as text: U+0000 and lone surrogates as U+FFFD',
  async (t) => {
    const key = generateDataKey();
    const encoded = stored(codec.encode(created, key));
    const sealedAs = (field: string, value: unknown) => sealValue(key, value, `${created.eventId}/data.${field}`);
    const old = {
      ...encoded,
      data: {
        ...encoded.data,
        title: sealedAs('title', 'half \ud83d a face, a pair 😀 kept'),
        content: sealedAs('content', 'C:\\ud800 as typed, \udc00 and \u0000 not'),
        tags: sealedAs('tags', ['x\udfff', 'fine']),
      },
    };
    t.match(codec.decode(old, key).data, {
      title: 'half \ufffd a face, a pair 😀 kept',
      content: 'C:\\ud800 as typed, \ufffd and \ufffd not',
      tags: ['x\ufffd', 'fine'],
    });

    // Keys too, in a sealed object.
    const catalog = {
      Noted: defineEvent(Type.Object({ notes: Type.Record(Type.String(), Type.String()) }), { personal: ['notes'] }),
    };
    const note = firstVersionOf('Noted', {});
    const sealedNote = {
      ...note,
      data: { notes: sealValue(key, { 'a\ud800': 'b\u0000' }, `${note.eventId}/data.notes`) },
    };
    t.same(createEventCodec(catalog).decode(sealedNote, key).data, { notes: { 'a\ufffd': 'b\ufffd' } });
  },
);

/** An event of another catalog, as stored at version 1 of its schema. */
function firstVersionOf(type: string, data: Record<string, unknown>): RecordedEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    occurredAt: new Date(),
    userId: null,
    data,
    metadata: {},
    streamId: 's',
    streamVersion: 1,
    globalPosition: 1,
    transactionId: '1',
  };
}
