import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { mailConfig, type MailConfig } from '../config/index.js';

/** One message as the test SMTP server received it. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The whole message as sent: headers and body. */
  readonly raw: string;
}

export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  readonly url: string;
  /** Every message accepted so far, in the order received. */
  readonly received: readonly ReceivedMail[];
  /** From now on, answer DATA with this SMTP code (e.g. 451, 550); undefined accepts again. */
  refuseWith(code: number | undefined): void;
  /**
   * From now on, hold the answer to DATA (the message is in, the client waits for 250) until
   * `release`: a sender killed meanwhile never hears it accepted, and its message is not kept.
   */
  hold(): void;
  /** How many messages wait for an answer. */
  held(): number;
  /** Answers the held messages whose senders are still connected (accepted), and stops holding. */
  release(): void;
  close(): Promise<void>;
}

/** A real SMTP server in this process on a free port (no TLS, no auth) that keeps what it receives. */
export async function smtpServerForTest(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let refusal: number | undefined;
  let holding = false;
  const waiting: { readonly session: string; readonly answer: () => void }[] = [];
  const closed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const answer = () => {
          if (refusal !== undefined) {
            callback(Object.assign(new Error('refused by the test'), { responseCode: refusal }));
            return;
          }
          // A sender gone before its 250 did not send: SMTP accepts a message with that reply.
          if (closed.has(session.id)) return;
          const envelope = session.envelope;
          received.push({
            from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
            to: envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        };
        if (holding) waiting.push({ session: session.id, answer });
        else answer();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuseWith: (code) => {
      refusal = code;
    },
    hold: () => {
      holding = true;
    },
    held: () => waiting.length,
    release: () => {
      holding = false;
      for (const { answer } of waiting.splice(0)) answer();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Mail settings for a test, from MindFlow <no-reply@mindflow.test> with 2 s time-outs: through
 * the SMTP server at `to.smtpUrl`, or into `<to.dataDir>/outbox`.
 */
export function testMailConfig(to: { readonly smtpUrl: string } | { readonly dataDir: string }): MailConfig {
  return mailConfig({
    ...('smtpUrl' in to ? { SMTP_URL: to.smtpUrl } : {}),
    MAIL_FROM: 'MindFlow <no-reply@mindflow.test>',
    SMTP_TIMEOUT_MS: 2000,
    REMINDER_CHECK_SECONDS: 0,
    MINDFLOW_DATA_DIR: 'dataDir' in to ? to.dataDir : '.',
  });
}
