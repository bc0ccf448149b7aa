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
  const kept = bodies.get('page', '"a"');
  t.equal(kept?.toString(), 'socket');
  t.equal(kept?.buffer.byteLength, 6, "in memory of its own, not a slice of Node's shared pool");
});

t.test(
  'bounded in bytes, keys and entries counted: the least lately stored go first; none past a sixteenth',
  async (t) => {
    // An entry counts its body, twice its key's length and 128 bytes: 100 + 6 + 128 here.
    const bodies = answerBodies(16 * 234);
    const key = (i: number) => `p${String(i).padStart(2, '0')}`;
    for (let i = 0; i < 20; i++) bodies.put(key(i), '"e"', Buffer.alloc(100, i));
    const kept = Array.from({ length: 20 }, (_, i) => bodies.get(key(i), '"e"') !== undefined);
    t.same(kept, [...Array<boolean>(4).fill(false), ...Array<boolean>(16).fill(true)], 'the 16 last');
    bodies.put('large', '"e"', Buffer.alloc(235));
    t.equal(bodies.get('large', '"e"'), undefined);
  },
);
