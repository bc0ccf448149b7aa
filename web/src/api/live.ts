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

/** The messages of a Server-Sent Events text so far, and what is left of an unfinished one. */
function messagesOf(text: string): { messages: { id?: string; data?: string }[]; rest: string } {
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  const messages = blocks.map((block) => {
    const fields: { id?: string; data?: string } = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'id') fields.id = value;
      if (name === 'data') fields.data = fields.data === undefined ? value : `${fields.data}\n${value}`;
    }
    return fields;
  });
  return { messages, rest };
}

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
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return backoffMs[0] ?? 1_000;
      const { messages, rest } = messagesOf(text + value);
      text = rest;
      for (const message of messages) {
        if (message.data === undefined) continue;
        if (message.id !== undefined) lastEventId = message.id;
        const update = JSON.parse(message.data) as LiveUpdate;
        sawPosition(update.position);
        onUpdate(update);
      }
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
