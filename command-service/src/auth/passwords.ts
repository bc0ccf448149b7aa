import { hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';

/** argon2id (the library's const enum value 2) at OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
const parameters = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
  /** Costs what a verify costs, for logins of unknown emails (no timing oracle). */
  verifyNothing(password: string): Promise<false>;
}

/**
 * Hashing is deliberately slow; at most `concurrency` run at once, so a burst of logins
 * queues instead of starving every other request of CPU.
 */
export async function createPasswordHasher(concurrency: number): Promise<PasswordHasher> {
  const limit = pLimit(concurrency);
  const decoy = await hash('a password nobody has', parameters);
  return {
    hash: (password) => limit(() => hash(password, parameters)),
    verify: (passwordHash, password) => limit(() => verify(passwordHash, password).catch(() => false)),
    verifyNothing: async (password) => {
      await limit(() => verify(decoy, password));
      return false;
    },
  };
}
