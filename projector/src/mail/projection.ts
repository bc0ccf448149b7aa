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
import type { WriteTables } from '@mindflow/core/write-model';
import { insightDigest, registrationAttemptNotice, reminderEmail, type MailLinks } from './messages.js';

/** The name the mail projection keeps its offsets and dead letters under. */
export const mailProjectionName = 'mail';

export interface MailDeliveryOptions {
  readonly mailer: Mailer;
  /** Where its offsets, dead letters and sent messages (mail_deliveries) are kept. */
  readonly readDb: Kysely<MailDeliveriesTables>;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  /** Where each writer's address and email settings are read, as they stand when a message goes. */
  readonly writeDb: Kysely<WriteTables>;
  /** The links in writers' emails (unsubscribe, settings, the app). */
  readonly links: MailLinks;
  /** Metrics, logs, the erasure fence and the failure policy of the runtime hosting it. */
  readonly runtime?: RuntimeServices;
}

/**
 * Email to people, from events: the notice to an account's owner that someone tried to register
 * with their address (RegistrationAttempted); the reminder to write (a reminder's
 * NotificationRaised) when emailReminderToWrite is on; the weekly and monthly insight
 * (InsightGenerated) when emailWeeklyInsights or emailMonthlyInsights is on. Settings are read
 * as the message goes: a writer who turned an email off meanwhile does not get it. Hosted like every projection outside
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

  // The writer's address and settings; undefined once erased (the settings row goes with them).
  const recipient = async (userId: string) =>
    options.writeDb
      .selectFrom('users')
      .innerJoin('user_settings', 'user_settings.user_id', 'users.id')
      .select(['users.email', 'email_reminder_to_write', 'email_weekly_insights', 'email_monthly_insights'])
      .where('users.id', '=', userId)
      .where('users.deleted_at', 'is', null)
      .executeTakeFirst();

  const writerMessageOf = async (event: RecordedEvent): Promise<MailMessage | undefined> => {
    const userId = event.userId;
    if (userId === null) return undefined;
    if (event.type === 'NotificationRaised' && event.data.kind === 'reminder') {
      const to = await recipient(userId);
      if (to?.email_reminder_to_write !== true) return undefined;
      return reminderEmail(options.links, { userId, email: to.email }, String(event.data.notificationId));
    }
    if (event.type === 'InsightGenerated' && (event.data.kind === 'weekly' || event.data.kind === 'monthly')) {
      const to = await recipient(userId);
      const wanted = event.data.kind === 'weekly' ? to?.email_weekly_insights : to?.email_monthly_insights;
      if (to === undefined || wanted !== true) return undefined;
      const decoded = await options.decode(event);
      if (decoded.type !== 'InsightGenerated' || decoded.erased.length > 0) return undefined;
      const { insightId, from, to: until, summary, stats } = decoded.data;
      return insightDigest(
        options.links,
        { userId, email: to.email },
        { insightId, kind: event.data.kind, from, to: until, summary, stats },
      );
    }
    return undefined;
  };

  // Its offsets and dead letters beside mail_deliveries, in the read database.
  const readDb = options.readDb.withTables<Pick<RuntimeTables, keyof RuntimeTables>>();
  return hostExternalProjection(mailProjectionName, readDb, runtime, async (deliveries) => {
    for (const { event } of deliveries) {
      const message = (await messageOf(event)) ?? (await writerMessageOf(event));
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
