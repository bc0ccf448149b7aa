import type { DecodedEvent, MindflowEvents } from '@mindflow/core/events';
import type { Kysely } from 'kysely';
import { userOf } from './entry-fold.js';
import type { ReadModelTables } from './tables.js';

type Habit = Extract<
  DecodedEvent<MindflowEvents>,
  {
    type:
      | 'GoalSet'
      | 'GoalChanged'
      | 'GoalRemoved'
      | 'TemplateCreated'
      | 'TemplateChanged'
      | 'TemplateRemoved'
      | 'PromptAdded'
      | 'PromptRemoved'
      | 'AchievementUnlocked';
  }
>;

/**
 * Goals, templates, prompts and achievements in the read model. Every write is idempotent: a creation
 * applied again adds nothing (a removal leaves a tombstone), a change applies only over an older
 * version, and an achievement keeps the time of the event that earned it.
 */
export async function applyHabitEvent(db: Kysely<ReadModelTables>, event: Habit): Promise<void> {
  switch (event.type) {
    case 'GoalSet': {
      const { goalId, kind, target, period } = event.data;
      await db
        .insertInto('goal_view')
        .values({
          goal_id: goalId,
          user_id: userOf(event),
          kind,
          target,
          period,
          version: event.streamVersion,
          created_at: event.occurredAt,
        })
        .onConflict((conflict) => conflict.column('goal_id').doNothing())
        .execute();
      return;
    }
    case 'GoalChanged':
      // Only forward: an older version applied again changes nothing.
      await db
        .updateTable('goal_view')
        .set({ target: event.data.target, version: event.streamVersion })
        .where('goal_id', '=', event.data.goalId)
        .where('version', '<', event.streamVersion)
        .execute();
      return;
    case 'GoalRemoved':
      await db
        .updateTable('goal_view')
        .set({ removed: true, version: event.streamVersion })
        .where('goal_id', '=', event.data.goalId)
        .execute();
      return;
    case 'TemplateCreated': {
      const { templateId, name, title, content, tags, mood } = event.data;
      await db
        .insertInto('template_view')
        .values({
          template_id: templateId,
          user_id: userOf(event),
          name,
          title,
          content,
          tags,
          mood,
          version: event.streamVersion,
          created_at: event.occurredAt,
        })
        .onConflict((conflict) => conflict.column('template_id').doNothing())
        .execute();
      return;
    }
    case 'TemplateChanged':
      await db
        .updateTable('template_view')
        .set({ ...event.data.changes, version: event.streamVersion })
        .where('template_id', '=', event.data.templateId)
        .where('version', '<', event.streamVersion)
        .execute();
      return;
    case 'TemplateRemoved':
      await db
        .updateTable('template_view')
        .set({ removed: true, version: event.streamVersion })
        .where('template_id', '=', event.data.templateId)
        .execute();
      return;
    case 'PromptAdded':
      await db
        .insertInto('prompt_view')
        .values({
          prompt_id: event.data.promptId,
          user_id: userOf(event),
          text: event.data.text,
          theme: event.data.theme,
          created_at: event.occurredAt,
        })
        .onConflict((conflict) => conflict.column('prompt_id').doNothing())
        .execute();
      return;
    case 'PromptRemoved':
      await db.updateTable('prompt_view').set({ removed: true }).where('prompt_id', '=', event.data.promptId).execute();
      return;
    case 'AchievementUnlocked':
      // Unlocked at the event that earned it, whenever (and however often) it is applied.
      await db
        .insertInto('achievement_view')
        .values({ user_id: userOf(event), code: event.data.code, unlocked_at: event.occurredAt })
        .onConflict((conflict) => conflict.columns(['user_id', 'code']).doNothing())
        .execute();
      return;
  }
}
