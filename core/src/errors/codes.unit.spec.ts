import { readFile } from 'node:fs/promises';
import t from 'tap';
import { errorCodes } from './index.js';

const documentation = new URL('../../../docs/errors.md', import.meta.url);

t.test('every error code is documented in docs/errors.md with its status, and nothing else is', async (t) => {
  const text = await readFile(documentation, 'utf8');
  const rows = [...text.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map(([, code, status]) => [
    code,
    Number(status),
  ]);
  t.same(
    rows,
    Object.entries(errorCodes).map(([code, { status }]) => [code, status]),
  );
});
