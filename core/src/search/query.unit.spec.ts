import t from 'tap';
import { parseSearchText, toWebsearch } from './query.js';

t.test('words, phrases, OR and exclusions become a bounded tree', async (t) => {
  t.same(parseSearchText('cafe run'), [
    { any: [{ kind: 'word', text: 'cafe' }] },
    { any: [{ kind: 'word', text: 'run' }] },
  ]);
  t.same(parseSearchText('"morning run" OR sea -work'), [
    {
      any: [
        { kind: 'phrase', text: 'morning run' },
        { kind: 'word', text: 'sea' },
      ],
    },
    { not: { kind: 'word', text: 'work' } },
  ]);
  t.same(parseSearchText('-"bad day" tea'), [
    { not: { kind: 'phrase', text: 'bad day' } },
    { any: [{ kind: 'word', text: 'tea' }] },
  ]);
  t.equal(parseSearchText('   '), undefined);
  t.same(parseSearchText('-work'), [{ not: { kind: 'word', text: 'work' } }], 'exclusions alone: everything else');
  t.equal(parseSearchText('OR OR'), undefined);
});

t.test('query syntax of the engines is only text', async (t) => {
  for (const hostile of [
    'title:secret',
    '*',
    'a && b || c',
    '{"match_all":{}}',
    "'); drop table x; --",
    'a\\b',
    '<&>',
  ]) {
    const text = parseSearchText(hostile);
    const rendered = text === undefined ? '' : toWebsearch(text);
    t.notMatch(rendered, /[:*&|{}();\\<>]/, `${hostile} → ${rendered}`);
  }
  t.equal(toWebsearch(parseSearchText('"morning run" OR sea -work') ?? []), '"morning run" or sea -work');
  t.equal(toWebsearch(parseSearchText('rain or shine') ?? []), 'rain "or" shine', 'a lowercase or is a word');
});

t.test('too long or too many clauses is VALIDATION_RULE', async (t) => {
  t.throws(() => parseSearchText('x'.repeat(257)), { code: 'VALIDATION_RULE' });
  t.throws(() => parseSearchText(Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ')), { code: 'VALIDATION_RULE' });
  t.ok(
    parseSearchText('😀'.repeat(256)) === undefined,
    '256 emoji are 256 characters: not too long (nothing to search)',
  );
  t.ok(parseSearchText(Array.from({ length: 16 }, (_, i) => `w${i}`).join(' ')));
});
