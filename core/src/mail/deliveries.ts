import type { ColumnType, Kysely } from 'kysely';
import type { Mailer, MailMessage, MailReceipt } from './message.js';

/** mail_deliveries in the read database (migrations/src/read/0012): the messages sent, by key. No address, no text. */
export interface MailDeliveriesTables {
  mail_deliveries: {
    message_key: string;
    via: string;
    sent_at: ColumnType<Date, never, never>;
  };
}

/**
 * Sends `message` unless a message with its key was sent before; undefined when it was. The key
 * is claimed in a transaction that commits once the mailer has taken the message: a concurrent
 * sender of the same key waits for it, then finds it sent; a send that fails claims nothing, so
 * the message can be tried again. At least once: a crash between the server's acceptance and
 * the commit sends it once more (with the same Message-ID, and the same outbox file).
 */
export async function sendOnce(
  db: Kysely<MailDeliveriesTables>,
  mailer: Mailer,
  message: MailMessage,
): Promise<MailReceipt | undefined> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('mail_deliveries')
      .values({ message_key: message.key, via: mailer.via })
      .onConflict((conflict) => conflict.column('message_key').doNothing())
      .returning('message_key')
      .executeTakeFirst();
    if (claimed === undefined) return undefined;
    return mailer.send(message);
  });
}
