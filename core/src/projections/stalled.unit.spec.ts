import t from 'tap';
import { stalledCheck } from './stalled.js';

const projection = (lastPosition: number, idleSeconds: number) => ({
  name: 'read-model',
  lastPosition: () => lastPosition,
  lastProgressAt: () => Date.now() - idleSeconds * 1000,
});

t.test('a projection with work and no progress for too long is not ready; otherwise it is', async (t) => {
  await t.rejects(stalledCheck(projection(10, 120), async () => 15, 60).check(), /stalled: 5 event\(s\) behind/);
  await t.resolves(stalledCheck(projection(15, 120), async () => 15, 60).check(), 'idle but caught up');
  await t.resolves(stalledCheck(projection(10, 5), async () => 15, 60).check(), 'behind but moving');
  t.equal(stalledCheck(projection(0, 0), async () => 0, 60).name, 'projection:read-model');
});
