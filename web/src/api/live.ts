import { EventSourceParserStream } from 'eventsource-parser/stream';
import { authorization, refreshSession, sawPosition } from './client';

/** One live update of the signed-in writer: ids only. */
export interface LiveUpdate {
  readonly type: string;
  readonly id: string;
  readonly position: number;
}

/** The waits before reconnecting, after each failure in a row (the last one repeats). */
const backoffMs = [1_000, 2_000, 5_000, 10_000];
/** After 429 (too many streams open, e.g. many tabs): wait longer before asking again. */
const tooManyMs = 30_000;

/**
 * Follows GET /v1/stream until the returned function is called: each update is handed to
 * `onUpdate` after its position is recorded, so that the reads it prompts see it. A stream that
 * ends or fails is opened again with Last-Event-ID, and is sent what it missed. It is read with
 * fetch rather than EventSource, which cannot send the Authorization header.
 */
export function followLiveUpdates(onUpdate: (update: LiveUpdate) => void): () => void {
  const controller = new AbortController();
  let lastEventId: string | undefined;
  let failures = 0;

  const once = async (): Promise<number> => {
    const response = await fetch('/v1/stream', {
      headers: {
        Accept: 'text/event-stream',
        ...authorization(),
        ...(lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId }),
      },
      credentials: 'same-origin',
      signal: controller.signal,
    });
    if (response.status === 401) return (await refreshSession()) ? 0 : (backoffMs.at(-1) ?? 10_000);
    if (response.status === 429) return tooManyMs;
    if (!response.ok || response.body === null) return backoffMs[Math.min(failures++, backoffMs.length - 1)] ?? 0;
    failures = 0;
    const messages = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    for (;;) {
      const { done, value: message } = await messages.read();
      if (done) return backoffMs[0] ?? 1_000;
      if (message.id !== undefined) lastEventId = message.id;
      const update = JSON.parse(message.data) as LiveUpdate;
      sawPosition(update.position);
      onUpdate(update);
    }
  };

  const stopped = () => controller.signal.aborted;
  void (async () => {
    while (!stopped()) {
      const wait = await once().catch(() => backoffMs[Math.min(failures++, backoffMs.length - 1)] ?? 1_000);
      if (stopped()) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return () => controller.abort();
}
