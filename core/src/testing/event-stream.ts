import { createParser, type ParserCallbacks } from 'eventsource-parser';

/**
 * Reads a `text/event-stream` answer as a browser's EventSource would, handing each event (and
 * comment) to `callbacks`; resolves once the stream ends or its request is aborted.
 */
export async function readEventStream(response: Response, callbacks: ParserCallbacks): Promise<void> {
  if (response.body === null) return;
  const parser = createParser(callbacks);
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  } catch {
    // aborted
  }
}
