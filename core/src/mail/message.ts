/** One email to one person. */
export interface MailMessage {
  /**
   * What the message is, unique and stable (e.g. `registration-attempted.<userId>.<hour>`): the same
   * message sent again has the same Message-ID and outbox file, and `sendOnce` records it under
   * this key. Letters, digits, `.`, `_` and `-` only.
   */
  readonly key: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where a message went: accepted by the SMTP server, or written to the outbox (`path`). */
export type MailReceipt =
  | { readonly via: 'smtp'; readonly messageId: string }
  | { readonly via: 'outbox'; readonly messageId: string; readonly path: string };

/**
 * The mail port: sends a message or throws. A thrown error says whether trying again may help
 * (InfrastructureError `retriable`): a server away or a 4xx reply may pass, a 5xx reply will not.
 *
 * @example
 * const mailer = openMailer(mailConfig(env), logger);
 * await mailer.send({ key: 'welcome.42', to: 'ana@example.com', subject: 'Hello', text: 'Hello' });
 */
export interface Mailer {
  /** `smtp` with SMTP_URL, `outbox` without. */
  readonly via: MailReceipt['via'];
  send(message: MailMessage): Promise<MailReceipt>;
  close(): void;
}

const keyPattern = /^[A-Za-z0-9._-]{1,200}$/;

/** The message's key, checked: it names a file and a Message-ID. */
export function checkedKey(message: MailMessage): string {
  if (!keyPattern.test(message.key)) throw new Error(`a mail key must match ${String(keyPattern)}: ${message.key}`);
  return message.key;
}
