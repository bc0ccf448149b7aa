import t from 'tap';
import { answerBodies } from './answer-bodies.js';

t.test('a body is given back only under the ETag it was kept with', async (t) => {
  const bodies = answerBodies(1_024);
  bodies.put('page', '"a"', Buffer.from('first'));
  t.equal(bodies.get('page', '"a"')?.toString(), 'first');
  t.equal(bodies.get('page', '"b"'), undefined, 'another ETag: not this body');
  t.equal(bodies.get('other', '"a"'), undefined, 'another key: not this body');
  bodies.put('page', '"b"', Buffer.from('second'));
  t.equal(bodies.get('page', '"a"'), undefined, 'one body a key: the latest');
  t.equal(bodies.get('page', '"b"')?.toString(), 'second');
});

t.test('a kept body is a copy: the buffer it came from may change', async (t) => {
  const bodies = answerBodies(1_024);
  const read = Buffer.from('socket bytes');
  bodies.put('page', '"a"', read.subarray(0, 6));
  read.fill(0);
  t.equal(bodies.get('page', '"a"')?.toString(), 'socket');
});

t.test('bounded in bytes: the least lately stored go first; none larger than a sixteenth', async (t) => {
  const bodies = answerBodies(1_600);
  for (let i = 0; i < 20; i++) bodies.put(`page${String(i)}`, '"e"', Buffer.alloc(100, i));
  const kept = Array.from({ length: 20 }, (_, i) => bodies.get(`page${String(i)}`, '"e"') !== undefined);
  t.same(kept, [...Array<boolean>(4).fill(false), ...Array<boolean>(16).fill(true)], 'the 16 last');
  bodies.put('large', '"e"', Buffer.alloc(101));
  t.equal(bodies.get('large', '"e"'), undefined);
});
