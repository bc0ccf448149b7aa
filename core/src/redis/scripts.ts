import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script and its SHA-1, as EVALSHA names it. */
export interface RedisScript {
  readonly lua: string;
  readonly sha: string;
}

export function redisScript(lua: string): RedisScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Runs `script` by its hash, and by its text when Redis does not hold it yet (after a restart or
 * SCRIPT FLUSH). Plain EVALSHA and EVAL, never a command added with defineCommand: adding one
 * while the client's auto-pipeline holds commands of the same turn breaks that pipeline
 * (ioredis #1931: "results[i] is not iterable", thrown outside any caller).
 */
export async function runScript(
  redis: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return redis.eval(script.lua, keys.length, ...keys, ...args);
  }
}
