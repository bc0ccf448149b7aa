import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import {
  absentEntry,
  decideEntry,
  evolveEntry,
  measure,
  normalizeTags,
  type DomainEvent,
  type EntryCommand,
  type EntryInput,
  type EntryState,
} from './index.js';

const entryId = randomUUID();
const input: EntryInput = { date: '2026-11-22', title: '  Morning run ', content: 'I ran **five** km by the river.' };

// given (past events) / when (a command) / then (new events, or the rule it breaks)
function given(...events: DomainEvent[]) {
  const state = events.reduce<EntryState>(evolveEntry, absentEntry);
  return {
    state,
    when: (command: EntryCommand) => ({
      then: (t: Test, expected: DomainEvent[]) => t.same(decideEntry(command, state), expected),
      thenFails: (t: Test, wanted: { code: string; path?: string }) =>
        t.throws(
          () => decideEntry(command, state),
          wanted.path === undefined ? { code: wanted.code } : { code: wanted.code, details: [{ path: wanted.path }] },
        ),
    }),
  };
}

const created = decideEntry({ type: 'CreateEntry', entryId, entry: input }, absentEntry);
const [createdEvent] = created;

t.test('creating an entry: trimmed title, normalized tags, word count and reading time', async (t) => {
  given()
    .when({ type: 'CreateEntry', entryId, entry: { ...input, tags: ['Work', ' work ', 'RUN'], mood: 'happy' } })
    .then(t, [
      {
        type: 'EntryCreated',
        data: {
          entryId,
          date: '2026-11-22',
          title: 'Morning run',
          content: input.content,
          mood: 'happy',
          tags: ['work', 'run'],
          location: null,
          weather: null,
          isPrivate: false,
          wordCount: 7,
          readingTime: 3,
        },
      },
    ]);
});

t.test('every field rule names the field', async (t) => {
  const create = (entry: Partial<EntryInput>): EntryCommand => ({
    type: 'CreateEntry',
    entryId,
    entry: { ...input, ...entry },
  });
  const cases: [Partial<EntryInput>, string][] = [
    [{ title: '   ' }, 'title'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ content: 'x'.repeat(10_001) }, 'content'],
    [{ mood: 'elated' as 'happy' }, 'mood'],
    [{ date: '2026-02-30' }, 'date'],
    [{ date: '22/11/2026' }, 'date'],
    [{ date: '0000-01-01' }, 'date'],
    [{ tags: ['ok', ' '] }, 'tags/1'],
    [{ tags: ['x'.repeat(51)] }, 'tags/0'],
    [{ tags: Array.from({ length: 21 }, (_, i) => `tag${i}`) }, 'tags'],
    [{ location: 'x'.repeat(201) }, 'location'],
    // Valid JSON, not text: a lone surrogate (also from an import's entries.json) and U+0000.
    [{ title: 'x\ud800y' }, 'title'],
    [{ content: 'ok \udc00' }, 'content'],
    [{ content: 'a\u0000b' }, 'content'],
    [{ tags: ['fine', '\ud83d'] }, 'tags/1'],
    [{ location: '\udfff' }, 'location'],
    [{ weather: 'sun\ud800' }, 'weather'],
  ];
  for (const [entry, path] of cases) given().when(create(entry)).thenFails(t, { code: 'VALIDATION_RULE', path });
  t.same(
    decideEntry(create({ title: 'x'.repeat(200), content: 'x'.repeat(10_000) }), absentEntry).length,
    1,
    'the limits themselves pass',
  );
  t.same(
    decideEntry(create({ title: 'ok 😀', content: 'a pair is text: \ud83d\ude00' }), absentEntry).length,
    1,
    'a surrogate pair is one character, and fine',
  );
});

t.test('an entry exists once', async (t) => {
  given(...created)
    .when({ type: 'CreateEntry', entryId, entry: input })
    .thenFails(t, { code: 'CONFLICT' });
});

t.test('an update records only what changed, and recomputes the counts when the content changes', async (t) => {
  given(...created)
    .when({ type: 'UpdateEntry', changes: { title: 'Morning run', content: 'Short.', mood: 'sad' } })
    .then(t, [
      {
        type: 'EntryUpdated',
        data: { entryId, changes: { content: 'Short.', wordCount: 1, readingTime: 1, mood: 'sad' } },
      },
    ]);
  given(...created)
    .when({ type: 'UpdateEntry', changes: { title: ' Morning run' } })
    .then(t, []);
});

t.test('a deleted entry cannot be edited until it is restored', async (t) => {
  const deleted: DomainEvent = { type: 'EntryDeleted', data: { entryId } };
  const restored: DomainEvent = { type: 'EntryRestored', data: { entryId } };
  given(...created, deleted)
    .when({ type: 'UpdateEntry', changes: { title: 'New' } })
    .thenFails(t, { code: 'CONFLICT' });
  given(...created, deleted)
    .when({ type: 'RestoreEntry' })
    .then(t, [restored]);
  given(...created, deleted, restored)
    .when({ type: 'UpdateEntry', changes: { title: 'New' } })
    .then(t, [{ type: 'EntryUpdated', data: { entryId, changes: { title: 'New' } } }]);
  given(...created, deleted)
    .when({ type: 'DeleteEntry' })
    .then(t, []);
  given(...created)
    .when({ type: 'RestoreEntry' })
    .then(t, []);
});

t.test('commands on an entry that does not exist are NOT_FOUND', async (t) => {
  for (const command of [
    { type: 'DeleteEntry' },
    { type: 'RestoreEntry' },
    { type: 'UpdateEntry', changes: {} },
  ] as const) {
    given().when(command).thenFails(t, { code: 'NOT_FOUND' });
  }
});

t.test('evolve counts versions and keeps the latest fields', async (t) => {
  const state = given(
    ...created,
    { type: 'EntryUpdated', data: { entryId, changes: { mood: 'sad', tags: ['a'] } } },
    { type: 'EntryDeleted', data: { entryId } },
  ).state;
  t.match(state, { status: 'deleted', version: 3, mood: 'sad', tags: ['a'], title: 'Morning run' });
  t.ok(createdEvent);
});

t.test('measure ignores Markdown markup, code blocks and link targets', async (t) => {
  t.same(measure(''), { wordCount: 0, readingTime: 0 });
  t.same(measure('# Title\n\n- one *two*\n> three [four](http://x.y/z)\n```js\nconst skipped = 1;\n```'), {
    wordCount: 5,
    readingTime: 2,
  });
  t.equal(measure('word '.repeat(400)).readingTime, 120, '200 words a minute');
  t.same(normalizeTags([' Café ', 'café', 'CAFÉ']), ['café']);
});
