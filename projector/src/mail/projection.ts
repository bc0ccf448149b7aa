import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { RecordedEvent } from '@mindflow/core/eventstore';
import { sendOnce, type Mailer, type MailDeliveriesTables, type MailMessage } from '@mindflow/core/mail';
import {
  hostExternalProjection,
  standaloneServices,
  type HostedProjection,
  type RuntimeServices,
  type RuntimeTables,
} from '@mindflow/core/projections';
import type { Kysely } from 'kysely';
import { registrationAttemptNotice } from './messages.js';

/** The name the mail projection keeps its offsets and dead letters under. */
export const mailProjectionName = 'mail';

export interface MailDeliveryOptions {
  readonly mailer: Mailer;
  /** Where its offsets, dead letters and sent messages (mail_deliveries) are kept. */
  readonly readDb: Kysely<MailDeliveriesTables>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  /** Metrics, logs, the erasure fence and the failure policy of the runtime hosting it. */
  readonly runtime?: RuntimeServices;
}

/**
 * Email to people, from events: today the notice to an account's owner that someone tried to
 * register with their address (RegistrationAttempted). Hosted like every projection outside
 * the read model (same retries, dead letters, erasure fence): an SMTP server away is waited
 * out; a message the server refuses for good (5xx) is dead-lettered after a few tries, counted
 * and logged, and can be replayed. Each message is sent at least once and recorded by its key
 * (see registrationAttemptNotice), so a redelivery or a replay does not send it again. The address is opened
 * only while the owner's key exists: an erased owner's event sends nothing.
 */
export function mailDelivery(options: MailDeliveryOptions): HostedProjection {
  const runtime = options.runtime ?? standaloneServices();
  const { logger } = runtime;

  const messageOf = async (event: RecordedEvent): Promise<MailMessage | undefined> => {
    if (event.type !== 'RegistrationAttempted' || event.userId === null) return undefined;
    const decoded = await options.decode(event);
    if (decoded.type !== 'RegistrationAttempted') return undefined;
    if (decoded.erased.length > 0) {
      logger.info({ projection: mailProjectionName, eventId: event.eventId }, 'no email: its owner was erased');
      return undefined;
    }
    return registrationAttemptNotice(event.userId, decoded.data.email, event.occurredAt);
  };

  // Its offsets and dead letters beside mail_deliveries, in the read database.
  const readDb = options.readDb.withTables<Pick<RuntimeTables, keyof RuntimeTables>>();
  return hostExternalProjection(mailProjectionName, readDb, runtime, async (deliveries) => {
    for (const { event } of deliveries) {
      const message = await messageOf(event);
      if (message === undefined) continue;
      const receipt = await sendOnce(options.readDb, options.mailer, message);
      logger.info(
        {
          projection: mailProjectionName,
          eventId: event.eventId,
          key: message.key,
          via: receipt?.via ?? 'sent before',
        },
        receipt === undefined ? 'email already sent' : 'email sent',
      );
    }
  });
}
