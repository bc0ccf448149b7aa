import { AppError } from '../errors/index.js';
import { ruleViolation, type DomainEvent } from './rules.js';
import { computeStreaks } from './streaks.js';

/** What a goal counts: entries in a week (Monday to Sunday), words in a day, or a streak of days. */
export const goalKinds = ['entries-per-week', 'words-per-day', 'streak'] as const;
export type GoalKind = (typeof goalKinds)[number];
export type GoalPeriod = 'week' | 'day' | null;

/** The period each kind is counted over (a streak has none: it is reached once). */
export const periodOf: Readonly<Record<GoalKind, GoalPeriod>> = {
  'entries-per-week': 'week',
  'words-per-day': 'day',
  streak: null,
};

/** The largest target of each kind (one entry a day makes 7 a week). */
export const maxTargets: Readonly<Record<GoalKind, number>> = {
  'entries-per-week': 7,
  'words-per-day': 100_000,
  streak: 3_650,
};

/** A writer has at most this many goals at once. */
export const maxGoals = 20;

export type GoalState =
  | { readonly status: 'absent' }
  | {
      readonly status: 'active' | 'removed';
      readonly userId: string;
      readonly kind: GoalKind;
      readonly target: number;
    };

export type GoalCommand =
  | {
      readonly type: 'SetGoal';
      readonly goalId: string;
      readonly kind: GoalKind;
      readonly target: number;
      readonly period?: string | null | undefined;
      /** How many goals the writer has now. */
      readonly goals: number;
    }
  | { readonly type: 'ChangeGoal'; readonly goalId: string; readonly target: number }
  | { readonly type: 'RemoveGoal'; readonly goalId: string };

function checkTarget(kind: GoalKind, target: number): number {
  if (target > maxTargets[kind]) throw ruleViolation('target', `at most ${String(maxTargets[kind])} for ${kind}`);
  return target;
}

/** Decides a goal command's events, or throws the rule it breaks. Pure. */
export function decideGoal(command: GoalCommand, state: GoalState): DomainEvent[] {
  switch (command.type) {
    case 'SetGoal': {
      if (state.status !== 'absent') throw new AppError('CONFLICT', `goal ${command.goalId} already exists`);
      const period = periodOf[command.kind];
      if (command.period !== undefined && command.period !== period) {
        throw ruleViolation(
          'period',
          `${command.kind} is counted per ${period ?? 'nothing (a streak is reached once)'}`,
        );
      }
      if (command.goals >= maxGoals) throw new AppError('CONFLICT', `you have ${String(maxGoals)} goals already`);
      return [
        {
          type: 'GoalSet',
          data: {
            goalId: command.goalId,
            kind: command.kind,
            target: checkTarget(command.kind, command.target),
            period,
          },
        },
      ];
    }
    case 'ChangeGoal': {
      if (state.status !== 'active') throw new AppError('NOT_FOUND', 'no such goal');
      if (command.target === state.target) return [];
      return [
        { type: 'GoalChanged', data: { goalId: command.goalId, target: checkTarget(state.kind, command.target) } },
      ];
    }
    case 'RemoveGoal':
      if (state.status !== 'active') throw new AppError('NOT_FOUND', 'no such goal');
      return [{ type: 'GoalRemoved', data: { goalId: command.goalId } }];
  }
}

/** A writer's entry as goals count it: its date (the writer's own day) and its words. Private ones count. */
export interface CountedEntry {
  readonly date: string;
  readonly words: number;
}

export interface GoalStanding {
  /** Where the current period stands: entries this week, words today, or the current streak. */
  readonly progress: number;
  readonly achieved: boolean;
  /** The last 12 periods before the current one, newest first (none for a streak). */
  readonly history: readonly { readonly from: string; readonly to: string; readonly achieved: boolean }[];
}

const dayMs = 86_400_000;
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
/** The Monday of the ISO week holding `date`. */
export const mondayOf = (date: string) => addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));

/**
 * Where a goal stands on the writer's `today` (their own time zone), from their entries: the
 * current period's progress, whether it is met, and the 12 periods before. The same function
 * decides goal-met in the command and answers GET /v1/goals.
 */
export function goalStanding(
  goal: { readonly kind: GoalKind; readonly target: number },
  entries: readonly CountedEntry[],
  today: string,
): GoalStanding {
  if (goal.kind === 'streak') {
    const { currentStreak } = computeStreaks(
      entries.map((entry) => entry.date),
      today,
    );
    return { progress: currentStreak, achieved: currentStreak >= goal.target, history: [] };
  }
  const weekly = goal.kind === 'entries-per-week';
  const start = weekly ? mondayOf(today) : today;
  const length = weekly ? 7 : 1;
  const measure = (from: string) => {
    const to = addDays(from, length - 1);
    const inPeriod = entries.filter((entry) => entry.date >= from && entry.date <= to);
    return { from, to, value: weekly ? inPeriod.length : inPeriod.reduce((sum, entry) => sum + entry.words, 0) };
  };
  const current = measure(start);
  const history = Array.from({ length: 12 }, (_, i) => measure(addDays(start, -(i + 1) * length))).map(
    ({ from, to, value }) => ({ from, to, achieved: value >= goal.target }),
  );
  return { progress: current.value, achieved: current.value >= goal.target, history };
}
