import t from 'tap';
import { queryServiceForTest, testWriters } from '../testing.js';

// Input a reader controls that is well-formed HTTP but not a value the server can use: each is
// a 400 with a stable code, before it reaches a database.
const platform = await queryServiceForTest();
t.teardown(platform.close);
const [writer] = await testWriters(platform.app, 1);
if (writer === undefined) throw new Error('writer');
await writer.write({ date: '2026-11-02', tags: ['walks'] });

const routes = ['/v1/entries', '/v1/me', '/v1/search?q=walks', '/v1/tags/suggest?prefix=wa', '/v1/moods/trend?days=7'];

t.test('X-Min-Position that is not a safe non-negative integer is a 400, on every read', async (t) => {
  for (const route of routes) {
    for (const value of ['Infinity', '1e309', '-1', '1.5', '9007199254740993', 'abc', '0x10', '']) {
      const response = await writer.get(route, { 'x-min-position': value });
      t.equal(response.statusCode, 400, `${route} with X-Min-Position ${JSON.stringify(value)}`);
      t.equal(response.json<{ error: { code: string } }>().error.code, 'VALIDATION_FAILED');
    }
    t.equal((await writer.get(route, { 'x-min-position': '1' })).statusCode, 200, `${route} with a position`);
  }
});

t.test('U+0000 in a query parameter is a 400, not a database error', async (t) => {
  for (const route of ['/v1/tags/suggest?prefix=w%00', '/v1/search?q=walk%00s', '/v1/entries?tag=a%00']) {
    const response = await writer.get(route);
    t.equal(response.statusCode, 400, route);
    t.equal(response.json<{ error: { code: string } }>().error.code, 'VALIDATION_FAILED');
  }
});
