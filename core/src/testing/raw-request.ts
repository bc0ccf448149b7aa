import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a server answered a raw request: the bytes (latin1), whether it closed the connection, when. */
export interface RawAnswer {
  readonly answer: string;
  readonly closed: boolean;
  readonly ms: number;
}

/**
 * Sends `head` (request line and headers, ending with the blank line) and then `body`'s pieces
 * (`gapMs` apart) on a raw socket it keeps open, as a broken or hostile client would: resolves
 * once the server closes the connection, `complete(answer)` says the answer is whole, or
 * `answerWithinMs` passes.
 */
export function rawRequest(options: {
  readonly port: number;
  readonly head: string;
  readonly body: readonly (string | Buffer)[];
  readonly gapMs?: number;
  readonly answerWithinMs: number;
  readonly complete: (answer: string) => boolean;
}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(options.port, '127.0.0.1');
    let answer = '';
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.answerWithinMs);
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (options.complete(answer)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.write(options.head);
    void (async () => {
      for (const piece of options.body) {
        if ((options.gapMs ?? 0) > 0) await sleep(options.gapMs);
        if (!socket.destroyed) socket.write(piece);
      }
    })();
  });
}
