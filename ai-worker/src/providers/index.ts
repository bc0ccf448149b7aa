import type { Cache } from '@mindflow/core/cache';
import type { AiSettings } from '@mindflow/core/config';
import type { Logger } from '@mindflow/core/logging';
import { createLocalWriter } from './local-writer.js';
import { createOpenAiWriter } from './openai-writer.js';
import type { InsightWriter } from './types.js';

/** The configured insight writer: the remote model when configured (falling back to the local one), else local. */
export function insightWriter(settings: AiSettings, cache: Cache, logger: Logger): InsightWriter {
  const local = createLocalWriter();
  if (settings.provider === undefined) return local;
  return createOpenAiWriter({ ...settings.provider, cache, fallback: local, logger });
}

export type { InsightBrief, InsightProse, InsightWriter } from './types.js';
export { createLocalWriter } from './local-writer.js';
