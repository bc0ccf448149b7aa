import type { DomainEvent } from './rules.js';

/** What an achievement counts. */
export type AchievementMeasure = 'entries' | 'words' | 'streak' | 'attachments' | 'exports' | 'goals';

export interface Achievement {
  readonly code: string;
  readonly title: string;
  readonly description: string;
  readonly measure: AchievementMeasure;
  /** Unlocked once the measure reaches it. */
  readonly target: number;
}

const reach = (code: string, title: string, description: string, measure: AchievementMeasure, target: number) =>
  Object.freeze({ code, title, description, measure, target });

/** Every achievement, in the order a writer meets them. */
export const achievements: readonly Achievement[] = Object.freeze([
  reach('first-entry', 'First entry', 'You wrote your first entry.', 'entries', 1),
  reach('streak-7', 'A week in a row', 'You wrote on 7 days in a row.', 'streak', 7),
  reach('entries-10', 'Ten entries', 'You have written 10 entries.', 'entries', 10),
  reach('first-attachment', 'A picture of the day', 'You added your first attachment.', 'attachments', 1),
  reach('words-10000', 'Ten thousand words', 'Your journal holds 10,000 words.', 'words', 10_000),
  reach('streak-30', 'A month in a row', 'You wrote on 30 days in a row.', 'streak', 30),
  reach('goal-met', 'Goal met', 'You met one of your goals.', 'goals', 1),
  reach('first-export', 'Safe keeping', 'You exported your journal for the first time.', 'exports', 1),
  reach('entries-100', 'One hundred entries', 'You have written 100 entries.', 'entries', 100),
  reach('streak-100', 'A hundred days in a row', 'You wrote on 100 days in a row.', 'streak', 100),
  reach('words-100000', 'A hundred thousand words', 'Your journal holds 100,000 words.', 'words', 100_000),
  reach('entries-365', 'A year of entries', 'You have written 365 entries.', 'entries', 365),
  reach('streak-365', 'A year in a row', 'You wrote on 365 days in a row.', 'streak', 365),
]);

export const achievementCodes: readonly string[] = achievements.map((achievement) => achievement.code);

/** How far a writer has come, by measure (a measure left out has not moved). */
export type AchievementProgress = Partial<Readonly<Record<AchievementMeasure, number>>>;

/**
 * The achievements a command earns: those whose measure it has reached and that are not
 * unlocked yet. Unlocked once, at the command that earned it, and never taken back (an entry
 * deleted later changes nothing). Pure.
 */
export function decideAchievements(progress: AchievementProgress, unlocked: ReadonlySet<string>): DomainEvent[] {
  return achievements
    .filter((achievement) => !unlocked.has(achievement.code))
    .filter((achievement) => (progress[achievement.measure] ?? 0) >= achievement.target)
    .map((achievement) => ({ type: 'AchievementUnlocked', data: { code: achievement.code } }));
}
