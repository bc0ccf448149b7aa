import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config/index.js';
import { InfrastructureError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import { isRetriable } from '../projections/retriable.js';
import { checkedKey, type Mailer, type MailMessage } from './message.js';

/** nodemailer's codes for a server that could not be reached or talked to. */
const unreachable = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EAUTH', 'ETLS', 'EPROTOCOL']);

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;

/**
 * An SMTP failure as an InfrastructureError: retriable when the server could not be reached or
 * answered 4xx (try later), not when it answered 5xx (this message will never be accepted).
 * Refused credentials are waited out too: every message fails alike until the operator fixes them.
 */
export function smtpFailure(error: unknown): InfrastructureError {
  const reply = field(error, 'responseCode');
  const code = field(error, 'code');
  const retriable =
    typeof reply === 'number' ? reply < 500 : (typeof code === 'string' && unreachable.has(code)) || isRetriable(error);
  const status = typeof reply === 'number' ? ` (SMTP ${String(reply)})` : typeof code === 'string' ? ` (${code})` : '';
  return new InfrastructureError('smtp', `the SMTP server did not take the message${status}`, {
    retriable,
    cause: error,
  });
}

/** The Message-ID of a message: its key at the sender's domain, the same each time it is sent. */
function messageIdOf(message: MailMessage, from: string): string {
  const domain = /@([^\s>@]+)>?\s*$/.exec(from)?.[1] ?? 'mindflow.invalid';
  return `<${checkedKey(message)}@${domain}>`;
}

function mailOptions(message: MailMessage, from: string) {
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.headers === undefined ? {} : { headers: { ...message.headers } }),
    messageId: messageIdOf(message, from),
  };
}

/** Sends through the SMTP server at `url` (smtp:// or smtps://, credentials in the URL). */
function smtpMailer(url: string, from: string, timeoutMs: number): Mailer {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    via: 'smtp',
    send: async (message) => {
      const options = mailOptions(message, from);
      await transport.sendMail(options).catch((error: unknown) => {
        throw smtpFailure(error);
      });
      return { via: 'smtp', messageId: options.messageId };
    },
    close: () => transport.close(),
  };
}

/**
 * Writes each message as `<key>.eml` in `dir` (0600, the folder 0700), composed by nodemailer as
 * it would be sent, and logs where it went. Written under a temporary name and renamed, so a
 * reader never sees half a message; the same message again replaces its file.
 */
function outboxMailer(dir: string, from: string, logger: Logger): Mailer {
  const compose = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    via: 'outbox',
    send: async (message) => {
      const options = mailOptions(message, from);
      const file = path.join(dir, `${checkedKey(message)}.eml`);
      try {
        const composed = await compose.sendMail(options);
        if (!Buffer.isBuffer(composed.message)) throw new Error('nodemailer did not compose a buffer');
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await chmod(dir, 0o700);
        const partial = `${file}.partial`;
        await writeFile(partial, composed.message, { mode: 0o600 });
        await rename(partial, file);
      } catch (error) {
        // A full or read-only disk may pass; the message waits rather than being lost.
        throw new InfrastructureError('outbox', `could not write ${file}`, { retriable: true, cause: error });
      }
      logger.info({ messageId: options.messageId, path: file }, 'email written to the outbox (SMTP_URL is unset)');
      return { via: 'outbox', messageId: options.messageId, path: file };
    },
    close: () => compose.close(),
  };
}

/** The mailer the configuration asks for: SMTP with SMTP_URL, the outbox folder without. */
export function openMailer(config: MailConfig, logger: Logger): Mailer {
  return config.transport.kind === 'smtp'
    ? smtpMailer(config.transport.url, config.from, config.timeoutMs)
    : outboxMailer(config.transport.dir, config.from, logger);
}
