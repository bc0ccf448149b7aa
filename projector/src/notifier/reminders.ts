import { UserErasedError, type UserKeyring } from '@mindflow/core/crypto';
import { notificationIdOf, notificationStream } from '@mindflow/core/domain';
import { StreamVersionConflict } from '@mindflow/core/eventstore';
import type { Logger } from '@mindflow/core/logging';
import { appendDerived, type WriteTables } from '@mindflow/core/write-model';
import { sql, type Kysely } from 'kysely';
import { notifierName } from './projection.js';

export interface ReminderDeps {
  readonly writeDb: Kysely<WriteTables>;
  readonly keyring: UserKeyring;
  readonly logger: Logger;
}

/** What one run did: reminders raised, and those due that another run raised first. */
export interface ReminderRun {
  readonly at: string;
  readonly due: number;
  readonly raised: number;
}

interface Due {
  readonly user_id: string;
  readonly local_date: string;
}

/** The reminder's words: never the writer's own text. */
export const reminderTitle = 'A moment to write? You have not written today';

/**
 * Raises the reminders due `at`: for each writer whose reminder is on, whose local time (in their
 * own time zone, which Postgres' time zone rules turn daylight-saving changes into) is past
 * their reminder time on one of their days, and who has not written that local day (an entry
 * dated that day or written on it). A day is claimed in reminder_sends in the transaction that
 * appends the NotificationRaised, so it is raised at most once per writer and day, whatever the
 * number of runs, workers or restarts. The notifier's projections take it from there: the read
 * model lists it, the live projection tells open streams, the mail projection emails it when
 * emailReminderToWrite is on. A day whose time passed while nothing ran is still raised that day.
 */
export async function raiseDueReminders(deps: ReminderDeps, at: Date): Promise<ReminderRun> {
  const due = await sql<Due>`
    with local as (
      select s.user_id, s.reminder_time, s.reminder_days, u.timezone,
             (${at}::timestamptz at time zone u.timezone) as moment
      from user_settings s join users u on u.id = s.user_id
      where s.reminder_enabled and u.deleted_at is null
    )
    select user_id::text as user_id, to_char(moment, 'YYYY-MM-DD') as local_date
    from local
    where to_char(moment, 'dy') = any (reminder_days)
      and moment::time >= reminder_time
      and not exists (
        select 1 from reminder_sends r where r.user_id = local.user_id and r.local_date = moment::date
      )
      and not exists (
        select 1 from journal_entries e
        where e.user_id = local.user_id and e.deleted_at is null
          and (e.entry_date = moment::date or (e.created_at at time zone local.timezone)::date = moment::date)
      )
    order by user_id
  `.execute(deps.writeDb);
  let raised = 0;
  for (const { user_id: userId, local_date: localDate } of due.rows) {
    if (await raiseReminder(deps, userId, localDate, at)) raised++;
  }
  const run = { at: at.toISOString(), due: due.rows.length, raised };
  if (due.rows.length > 0) deps.logger.info(run, 'reminders raised');
  return run;
}

/** Claims the writer's day and raises its reminder in one transaction; false when it was claimed before. */
async function raiseReminder(deps: ReminderDeps, userId: string, localDate: string, at: Date): Promise<boolean> {
  const notificationId = notificationIdOf(`${userId}:${localDate}`, 'reminder');
  return deps.writeDb
    .transaction()
    .execute(async (trx) => {
      const claimed = await trx
        .insertInto('reminder_sends')
        .values({ user_id: userId, local_date: localDate, notification_id: notificationId })
        .onConflict((conflict) => conflict.columns(['user_id', 'local_date']).doNothing())
        .returning('user_id')
        .executeTakeFirst();
      if (claimed === undefined) return false;
      await appendDerived(trx, deps.keyring, {
        streamId: notificationStream(notificationId),
        expectedVersion: 0,
        actorId: notifierName,
        userId,
        type: 'NotificationRaised',
        data: { notificationId, kind: 'reminder', severity: null, title: reminderTitle, subjectId: null },
        at,
      });
      return true;
    })
    .catch((error: unknown) => {
      // Erased meanwhile, or raised by a run that claimed the day first: nothing to raise.
      if (error instanceof UserErasedError || error instanceof StreamVersionConflict) return false;
      throw error;
    });
}

/**
 * Runs `raiseDueReminders` every `everyMs` (and once at start) until stopped; runs never overlap.
 * A failed run is logged and the next one tries again.
 */
export function startReminderScheduler(deps: ReminderDeps, everyMs: number): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= raiseDueReminders(deps, new Date())
      .then(() => undefined)
      .catch((error: unknown) => deps.logger.error({ err: error }, 'reminder run failed'))
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
