import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Cache } from '@mindflow/core/cache';
import type { Logger } from '@mindflow/core/logging';
import CircuitBreaker from 'opossum';
import type { InsightProse, InsightWriter } from './types.js';

export interface OpenAiWriterOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `http://host:port/v1`. */
  readonly url: string;
  readonly model: string;
  /** Sent as a bearer token; undefined for a server that needs none (a local model). */
  readonly apiKey: string | undefined;
  /** Per attempt, reading the answer included. */
  readonly timeoutMs: number;
  /** Extra attempts after a network error, a timeout, 429 or 5xx. */
  readonly retries: number;
  readonly cache: Cache;
  /** Writes the insight when the model cannot: every failure ends here, never in an error. */
  readonly fallback: InsightWriter;
  readonly logger: Logger;
  readonly breaker?: {
    /** Failed calls in a row (each after its retries) that open the breaker; default 5. */
    readonly failureThreshold?: number;
    /** How long it stays open before one trial call (half-open); default 30 000 ms. */
    readonly resetMs?: number;
  };
}

export type BreakerState = 'closed' | 'open' | 'half-open';

const instructions = [
  'You write the summary of a journal insight for the person who wrote the journal.',
  'You are given a JSON brief: figures, themes and excerpts of one period of their entries.',
  'Answer with a JSON object only: {"summary": string, "suggestions": string[]}.',
  '"summary": at most 3 sentences, in the language named by the brief\'s "language" field,',
  'addressing the person as "you", warm and factual; never a diagnosis or a medical or psychological label.',
  '"suggestions": at most 3 short, practical suggestions, in the same language.',
  'Use only what the brief says: invent no events, people or feelings.',
].join('\n');

const NonEmpty = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });
const Answer = TypeCompiler.Compile(
  Type.Object({
    summary: NonEmpty(1000),
    suggestions: Type.Array(NonEmpty(300), { maxItems: 5 }),
  }),
);

const Completion = TypeCompiler.Compile(
  Type.Object({ choices: Type.Array(Type.Object({ message: Type.Object({ content: Type.String() }) })) }),
);

/** Seconds a model's answer is reused for the same request (temperature 0: it would say the same). */
const cacheTtlSeconds = 3600;

/** A failed attempt; `retryable` when trying again may help (network, timeout, 429, 5xx). */
class RemoteFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'RemoteFailure';
  }
}

/**
 * The remote insight writer: any OpenAI-compatible chat completions API (OpenAI, a local
 * llama.cpp or Ollama server…), asked for JSON at temperature 0. It never fails the insight:
 * on a timeout, an error status, an answer that is not the JSON asked for, or an open breaker,
 * the fallback writes it instead. A circuit breaker (opossum) stops calling a server that keeps
 * failing; its trip rule is N failed calls in a row (counted here; opossum's own error-rate rule
 * is switched off with a 100 % threshold), and after `resetMs` one trial call decides between
 * closing it and opening it again. Answers are cached by model and request, so a rerun of the
 * same period costs nothing; fallback answers are not cached, so the model gets its chance next time.
 */
export function createOpenAiWriter(
  options: OpenAiWriterOptions,
): InsightWriter & { readonly breakerState: () => BreakerState } {
  const { model, cache, fallback, logger } = options;
  const endpoint = `${options.url.replace(/\/+$/, '')}/chat/completions`;
  const failureThreshold = options.breaker?.failureThreshold ?? 5;

  const ask = async (messages: readonly ChatMessage[]): Promise<Prose> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await askOnce(messages);
      } catch (error) {
        const retryable = !(error instanceof RemoteFailure) || error.retryable;
        if (!retryable || attempt >= options.retries) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 1000));
      }
    }
  };

  const askOnce = async (messages: readonly ChatMessage[]): Promise<Prose> => {
    // Network errors and timeouts (AbortSignal.timeout also bounds reading the body) throw as
    // they are: all of them are worth another attempt.
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
      },
      body: JSON.stringify({ model, temperature: 0, response_format: { type: 'json_object' }, messages }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = await response.text();
    if (!response.ok) {
      throw new RemoteFailure(`HTTP ${String(response.status)}`, response.status === 429 || response.status >= 500);
    }
    // The same request would get the same answer: a malformed one is not retried.
    const prose = parseAnswer(body);
    if (prose === undefined) throw new RemoteFailure('the answer is not the JSON asked for', false);
    return prose;
  };

  const breaker = new CircuitBreaker(ask, {
    name: `insight-writer:${model}`,
    timeout: false, // each attempt has its own timeout
    resetTimeout: options.breaker?.resetMs ?? 30_000,
    errorThresholdPercentage: 100, // never reached: the failures-in-a-row rule below opens it
    enableSnapshots: false,
    rollingPercentilesEnabled: false,
  });
  let failuresInARow = 0;
  breaker.on('success', () => {
    failuresInARow = 0;
  });
  breaker.on('failure', () => {
    failuresInARow += 1;
    if (failuresInARow >= failureThreshold) breaker.open();
  });
  // Counting starts again after opening: a failed trial while half-open reopens it (opossum's rule).
  breaker.on('open', () => {
    failuresInARow = 0;
  });

  const breakerState = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');

  return {
    name: model,
    breakerState,
    async write(brief) {
      const messages: ChatMessage[] = [
        { role: 'system', content: instructions },
        { role: 'user', content: JSON.stringify(brief) },
      ];
      const key = `ai:llm:${createHash('sha256')
        .update(`${model}\n${JSON.stringify(messages)}`)
        .digest('hex')}`;
      const cached = await readCache(cache, key, logger);
      if (cached !== undefined) return { ...cached, writtenBy: model };
      try {
        const prose = await breaker.fire(messages);
        await cache.set(key, prose, cacheTtlSeconds).catch((error: unknown) => {
          logger.warn({ err: describe(error) }, 'could not cache the insight writer’s answer');
        });
        return { ...prose, writtenBy: model };
      } catch (error) {
        // Never the brief nor the answer: both may quote the user's entries.
        logger.warn(
          { model, reason: describe(error), breaker: breakerState() },
          'remote insight writer failed; using the fallback',
        );
        return fallback.write(brief);
      }
    },
  };
}

interface ChatMessage {
  readonly role: 'system' | 'user';
  readonly content: string;
}

type Prose = Omit<InsightProse, 'writtenBy'>;

/** The prose in a chat completion's body, or undefined when it is not what was asked for. */
function parseAnswer(body: string): Prose | undefined {
  const completion = tryJson(body);
  if (!Completion.Check(completion)) return undefined;
  const content = completion.choices[0]?.message.content;
  return content === undefined ? undefined : validProse(tryJson(content));
}

function validProse(value: unknown): Prose | undefined {
  if (!Answer.Check(value)) return undefined;
  return { summary: value.summary, suggestions: value.suggestions };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A cache miss when the entry is missing, malformed, or the cache is unreachable. */
async function readCache(cache: Cache, key: string, logger: Logger): Promise<Prose | undefined> {
  try {
    return validProse(await cache.get(key));
  } catch (error) {
    logger.warn({ err: describe(error) }, 'could not read the insight writer’s cache');
    return undefined;
  }
}

/** What went wrong, without anything the server sent back. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.name}: ${error.message}${cause}`;
}
