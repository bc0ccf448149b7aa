import t from 'tap';
import type { ProjectionLag } from './lag.js';
import { overLimits } from './lag-watch.js';

const lag = (behind: number, seconds: number, more = false): ProjectionLag => ({
  name: 'read-model',
  offsets: {},
  head: undefined,
  behind,
  more,
  seconds,
});
const limits = { maxEvents: 100, maxSeconds: 30 };

t.test(
  'a projection too many events or seconds behind is over the limits, naming its lag; otherwise it is not',
  (t) => {
    t.match(overLimits(lag(101, 2), limits), /^101 event\(s\) behind \(limit 100\)/);
    t.match(overLimits(lag(10_000, 2, true), limits), /^10000\+ event\(s\) behind/);
    t.match(overLimits(lag(3, 31), limits), /the oldest waiting 31 s \(limit 30 s\)/, 'a stuck projection ages');
    t.equal(overLimits(lag(100, 30), limits), undefined, 'at the limits');
    t.equal(overLimits(lag(0, 0), limits), undefined, 'caught up');
    t.end();
  },
);
