import { readFile } from 'node:fs/promises';
import t from 'tap';
import {
  aiEnv,
  enginesEnv,
  loggingEnv,
  mailEnv,
  projectionLagEnv,
  projectorEnv,
  readsEnv,
  securityEnv,
  serverEnv,
  workersEnv,
} from './index.js';

const example = new URL('../../../.env.example', import.meta.url);

t.test('.env.example lists every variable the config modules read, and only those', async (t) => {
  const text = await readFile(example, 'utf8');
  const documented = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(([, name]) => name).sort();
  const read = Object.keys({
    ...serverEnv(0),
    ...workersEnv,
    ...loggingEnv,
    ...enginesEnv,
    ...securityEnv,
    ...readsEnv,
    ...aiEnv,
    ...projectorEnv,
    ...projectionLagEnv,
    ...mailEnv,
  }).sort();
  t.same(documented, read);
});
