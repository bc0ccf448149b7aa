import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
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

/** secrets.json as stored: the key under rotation (nextMasterKey) is there until the rotation ends. */
interface StoredSecrets {
  masterKey: string;
  jwtSecret: string;
  nextMasterKey?: string;
}

async function readStored(dataDir: string): Promise<{ file: string; stored: StoredSecrets }> {
  await loadOrCreateSecrets(dataDir);
  const file = path.join(path.resolve(dataDir), 'secrets.json');
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Record<keyof StoredSecrets, unknown>>;
  const { masterKey, jwtSecret, nextMasterKey } = parsed;
  if (typeof masterKey !== 'string' || typeof jwtSecret !== 'string') throw new Error(`${file} is damaged`);
  return {
    file,
    stored: { masterKey, jwtSecret, ...(typeof nextMasterKey === 'string' ? { nextMasterKey } : {}) },
  };
}

/** Replaces secrets.json in one step (write aside, then rename): a crash leaves the old or the new file, whole. */
async function writeStored(file: string, stored: StoredSecrets): Promise<void> {
  const aside = `${file}.${String(process.pid)}.tmp`;
  await writeFile(aside, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  await rename(aside, file);
}

/**
 * The master key an embedded installation rotates to: kept in secrets.json as nextMasterKey
 * before any data key is re-wrapped, so an interrupted `mindflow keys rotate` resumes with it.
 * Generated on first call; `given` (base64) is taken instead when there is none yet.
 */
export async function nextMasterKey(dataDir: string, given?: Buffer): Promise<Buffer> {
  const { file, stored } = await readStored(dataDir);
  if (stored.nextMasterKey !== undefined) return Buffer.from(stored.nextMasterKey, 'base64');
  const next = given ?? randomBytes(32);
  await writeStored(file, { ...stored, nextMasterKey: next.toString('base64') });
  return next;
}

/** Ends an embedded rotation: the next key becomes the master key, and the old one is gone from the file. */
export async function finishMasterKeyRotation(dataDir: string): Promise<void> {
  const { file, stored } = await readStored(dataDir);
  if (stored.nextMasterKey === undefined) return;
  await writeStored(file, { masterKey: stored.nextMasterKey, jwtSecret: stored.jwtSecret });
}
