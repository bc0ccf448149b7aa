import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const keyLength = 32; // AES-256
const ivLength = 12; // GCM's standard nonce
const tagLength = 16;

/** The master key: 32 bytes, given base64-encoded. */
export function parseMasterKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== keyLength) throw new RangeError(`the master key must be ${keyLength} bytes, base64-encoded`);
  return key;
}

export function generateDataKey(): Buffer {
  return randomBytes(keyLength);
}

/** A data key encrypted under the master key (AES-256-GCM): iv ‖ tag ‖ ciphertext. */
export function wrapKey(masterKey: Buffer, dataKey: Buffer, context: string): Buffer {
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv, { authTagLength: tagLength });
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** The data key back; throws if the wrapped key, the master key or the context differ. */
export function unwrapKey(masterKey: Buffer, wrapped: Buffer, context: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', masterKey, wrapped.subarray(0, ivLength), {
    authTagLength: tagLength,
  });
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(wrapped.subarray(ivLength, ivLength + tagLength));
  return Buffer.concat([decipher.update(wrapped.subarray(ivLength + tagLength)), decipher.final()]);
}
