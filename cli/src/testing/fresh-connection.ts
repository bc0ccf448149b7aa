import { request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly text: string;
  /** The body as JSON (parsed when read; `{}` for an empty body). */
  readonly json: Record<string, unknown>;
}

/**
 * One request to 127.0.0.1:`port` on a connection of its own (no keep-alive), so that a
 * cluster's primary hands each request to the next worker.
 */
export function callOnFreshConnection(
  port: number,
  method: string,
  path: string,
  token?: string,
  body?: object,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const sent = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            text,
            get json() {
              return (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
            },
          }),
        );
      },
    );
    sent.on('error', reject);
    // A server that never answers fails the request, not the test's time limit.
    sent.setTimeout(30_000, () => sent.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    sent.end(payload);
  });
}
