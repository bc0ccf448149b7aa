import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A personal value encrypted with its owner's data key: how it is stored inside an event. */
export interface SealedValue {
  readonly $sealed: 1;
  /** base64 of iv ‖ tag ‖ ciphertext of the value's JSON. */
  readonly v: string;
}

export function isSealed(value: unknown): value is SealedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { $sealed?: unknown }).$sealed === 1 &&
    typeof (value as { v?: unknown }).v === 'string'
  );
}

/**
 * Encrypts any JSON value with AES-256-GCM. `context` (say, the event id and field name) is
 * authenticated, so a sealed value cannot be moved to another event or field unnoticed.
 */
export function sealValue(dataKey: Buffer, value: unknown, context: string): SealedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { $sealed: 1, v: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64') };
}

/** The value back; throws when the key or the context is not the one it was sealed with. */
export function openValue(dataKey: Buffer, sealed: SealedValue, context: string): unknown {
  const bytes = Buffer.from(sealed.v, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', dataKey, bytes.subarray(0, 12), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(bytes.subarray(12, 28));
  const plaintext = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  return JSON.parse(plaintext) as unknown;
}
