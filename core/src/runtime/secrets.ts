import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Secrets } from '../config/index.js';

/**
 * The secrets of an embedded installation, kept in `dataDir/secrets.json` (mode 0600) and
 * generated on first use. Production sets MINDFLOW_MASTER_KEY and MINDFLOW_JWT_SECRET instead.
 * Losing this file loses every user's personal data: it wraps their keys.
 */
export async function loadOrCreateSecrets(dataDir: string): Promise<Secrets> {
  const file = path.join(path.resolve(dataDir), 'secrets.json');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined) {
    const parsed = JSON.parse(existing) as { masterKey?: unknown; jwtSecret?: unknown };
    if (typeof parsed.masterKey !== 'string' || typeof parsed.jwtSecret !== 'string') {
      throw new Error(`${file} is damaged: it must hold masterKey and jwtSecret`);
    }
    return { masterKey: Buffer.from(parsed.masterKey, 'base64'), jwtSecret: parsed.jwtSecret };
  }
  const secrets = { masterKey: randomBytes(32).toString('base64'), jwtSecret: randomBytes(48).toString('base64url') };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { masterKey: Buffer.from(secrets.masterKey, 'base64'), jwtSecret: secrets.jwtSecret };
}
