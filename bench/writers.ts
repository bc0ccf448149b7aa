// Signed-in writers for the command benches: registered and logged in over HTTP.
import { Agent, request } from 'node:http';

/** POSTs JSON to 127.0.0.1:`port` through `agent`; the status and the body as text. */
export function post(
  port: number,
  agent: Agent,
  pathname: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** `count` writers registered and logged in on the command-service at `port`: their access tokens. */
export async function registerWriters(port: number, count: number): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const tokens: string[] = [];
  const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
  for (let i = 0; i < count; i++) {
    const email = `bench-${String(i)}@example.com`;
    const password = 'bench password 123';
    await post(port, agent, '/v1/auth/register', { email, password, displayName: `Bench ${String(i)}`, consent });
    const login = await post(port, agent, '/v1/auth/login', { email, password });
    tokens.push((JSON.parse(login.body) as { accessToken: string }).accessToken);
  }
  agent.destroy();
  return tokens;
}
