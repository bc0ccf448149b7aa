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
  close(): Promise<void>;
}

/** A real SMTP server in this process on a free port (no TLS, no auth) that keeps what it receives. */
export async function smtpServerForTest(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let refusal: number | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusal !== undefined) {
          callback(Object.assign(new Error('refused by the test'), { responseCode: refusal }));
          return;
        }
        const envelope = session.envelope;
        received.push({
          from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
          to: envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
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
