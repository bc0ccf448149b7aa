import { UserErasedError, type UserKeyring } from '@mindflow/core/crypto';
import { achievements, notificationIdOf, notificationStream } from '@mindflow/core/domain';
import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import { StreamVersionConflict, type RecordedEvent } from '@mindflow/core/eventstore';
import {
  hostExternalProjection,
  standaloneServices,
  type HostedProjection,
  type RuntimeServices,
  type RuntimeTables,
} from '@mindflow/core/projections';
import type { UserKeysTables } from '@mindflow/core/crypto';
import { appendDerived } from '@mindflow/core/write-model';
import type { Kysely } from 'kysely';

/** The name the notifier keeps its offsets and dead letters under. */
export const notifierName = 'notifier';

type Severity = 'info' | 'notable' | 'attention';

/**
 * How much an insight asks for the writer's attention, from its figures: most of the period's
 * entries in a negative mood is `attention`; a milestone reached, or mostly positive entries,
 * is `notable`; anything else `info`.
 */
export function insightSeverity(stats: Record<string, unknown>): Severity {
  const moods = stats.moods as { positive?: unknown; negative?: unknown } | undefined;
  const negative = typeof moods?.negative === 'number' ? moods.negative : 0;
  const positive = typeof moods?.positive === 'number' ? moods.positive : 0;
  const milestones = Array.isArray(stats.milestones) ? stats.milestones : [];
  if (negative >= 50) return 'attention';
  if (milestones.length > 0 || positive >= 70) return 'notable';
  return 'info';
}

const insightTitles: Record<string, string> = {
  weekly: 'Your weekly insight is ready',
  monthly: 'Your monthly insight is ready',
  yearly: 'Your yearly insight is ready',
  custom: 'Your insight is ready',
};

export interface NotifierOptions<W extends UserKeysTables, R extends RuntimeTables> {
  readonly writeDb: Kysely<W>;
  readonly readDb: Kysely<R>;
  readonly keyring: UserKeyring;
  readonly decode: (event: RecordedEvent) => Promise<DecodedEvent<MindflowEvents>>;
  readonly runtime?: RuntimeServices;
}

/**
 * The notifier: raises an in-app notification (NotificationRaised, on the notification's own
 * stream, its title sealed with the user's key) for each event a writer is told of: an insight
 * written, with its severity; an achievement unlocked. Hosted like every projection; the notification's id comes from
 * the event's, and its stream must be new, so a redelivery or a replay raises nothing twice. Of
 * an erased user, nothing is raised.
 */
export function notifier<W extends UserKeysTables, R extends RuntimeTables>(
  options: NotifierOptions<W, R>,
): HostedProjection {
  const raise = async (
    event: RecordedEvent,
    notification:
      | { kind: 'insight-ready'; severity: Severity; title: string; subjectId: string }
      | { kind: 'achievement'; severity: null; title: string; subjectId: null },
  ) => {
    if (event.userId === null) return;
    const notificationId = notificationIdOf(event.eventId, notification.kind);
    await options.writeDb
      .transaction()
      .execute((trx) =>
        appendDerived(trx, options.keyring, {
          streamId: notificationStream(notificationId),
          expectedVersion: 0,
          actorId: notifierName,
          userId: event.userId ?? '',
          type: 'NotificationRaised',
          data: { notificationId, ...notification },
          cause: { eventId: event.eventId, metadata: event.metadata },
          at: event.occurredAt,
        }),
      )
      .catch((error: unknown) => {
        // Raised before (a redelivery), or its user erased since: nothing to do.
        if (error instanceof StreamVersionConflict || error instanceof UserErasedError) return;
        throw error;
      });
  };

  return hostExternalProjection(
    notifierName,
    options.readDb,
    options.runtime ?? standaloneServices(),
    async (deliveries) => {
      for (const { event } of deliveries) {
        if (event.type === 'AchievementUnlocked') {
          const achievement = achievements.find((candidate) => candidate.code === event.data.code);
          if (achievement === undefined) continue;
          await raise(event, {
            kind: 'achievement',
            severity: null,
            title: `Achievement unlocked: ${achievement.title}`,
            subjectId: null,
          });
          continue;
        }
        if (event.type !== 'InsightGenerated') continue;
        const decoded = await options.decode(event);
        if (decoded.type !== 'InsightGenerated' || decoded.erased.length > 0) continue;
        const { insightId, kind, stats } = decoded.data;
        await raise(event, {
          kind: 'insight-ready',
          severity: insightSeverity(stats),
          title: insightTitles[kind] ?? 'Your insight is ready',
          subjectId: insightId,
        });
      }
    },
  );
}
