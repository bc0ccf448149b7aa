import { AppError } from '../errors/index.js';
import type { EventData } from '../events/definition.js';
import type { MindflowEvents } from '../events/index.js';
import { ruleViolation, type DomainEvent } from './rules.js';
import { textLength, textProblem } from './text.js';

export const moods = ['ecstatic', 'happy', 'neutral', 'sad', 'anxious', 'angry'] as const;
export type Mood = (typeof moods)[number];

type EntryFields = Omit<EventData<MindflowEvents, 'EntryCreated'>, 'entryId'>;

/** A journal entry as its events leave it. */
export type EntryState =
  | { readonly status: 'absent' }
  | ({ readonly status: 'active' | 'deleted'; readonly entryId: string; readonly version: number } & EntryFields);

export const absentEntry: EntryState = Object.freeze({ status: 'absent' });

/** What a writer gives: the derived fields (word count, reading time) are the domain's. */
export interface EntryInput {
  readonly date: string;
  readonly title: string;
  readonly content: string;
  readonly mood?: Mood | null;
  readonly tags?: readonly string[];
  readonly location?: string | null;
  readonly weather?: string | null;
  readonly isPrivate?: boolean;
  /** The prompt it is written from, if any (a new entry only). */
  readonly promptId?: string | undefined;
}

export type EntryCommand =
  | { readonly type: 'CreateEntry'; readonly entryId: string; readonly entry: EntryInput }
  | { readonly type: 'UpdateEntry'; readonly changes: Partial<EntryInput> }
  | { readonly type: 'DeleteEntry' }
  | { readonly type: 'RestoreEntry' };

const limits = { title: 200, content: 10_000, tag: 50, tags: 20, location: 200, weather: 100 } as const;
const wordsPerMinute = 200;

/** Decides the events a command causes on an entry, or throws the rule it breaks. Pure. */
export function decideEntry(command: EntryCommand, state: EntryState): DomainEvent[] {
  switch (command.type) {
    case 'CreateEntry': {
      if (state.status !== 'absent') throw new AppError('CONFLICT', `entry ${command.entryId} already exists`);
      const entry = command.entry;
      const content = checkContent(entry.content);
      return [
        {
          type: 'EntryCreated',
          data: {
            entryId: command.entryId,
            date: checkDate(entry.date),
            title: checkTitle(entry.title),
            content,
            mood: checkMood(entry.mood ?? null),
            tags: normalizeTags(entry.tags ?? []),
            location: checkOptionalText('location', entry.location ?? null, limits.location),
            weather: checkOptionalText('weather', entry.weather ?? null, limits.weather),
            isPrivate: entry.isPrivate ?? false,
            ...measure(content),
            ...(entry.promptId === undefined ? {} : { promptId: entry.promptId }),
          },
        },
      ];
    }
    case 'UpdateEntry': {
      const current = existing(state);
      if (current.status === 'deleted') {
        throw new AppError('CONFLICT', 'a deleted entry cannot be edited until it is restored');
      }
      const { changes } = command;
      const next: Partial<EntryFields> = {};
      if (changes.date !== undefined) next.date = checkDate(changes.date);
      if (changes.title !== undefined) next.title = checkTitle(changes.title);
      if (changes.content !== undefined)
        Object.assign(next, { content: checkContent(changes.content) }, measure(changes.content));
      if (changes.mood !== undefined) next.mood = checkMood(changes.mood);
      if (changes.tags !== undefined) next.tags = normalizeTags(changes.tags);
      if (changes.location !== undefined)
        next.location = checkOptionalText('location', changes.location, limits.location);
      if (changes.weather !== undefined) next.weather = checkOptionalText('weather', changes.weather, limits.weather);
      if (changes.isPrivate !== undefined) next.isPrivate = changes.isPrivate;
      const effective = Object.fromEntries(
        Object.entries(next).filter(([field, value]) => !sameValue(current[field as keyof EntryFields], value)),
      );
      return Object.keys(effective).length === 0
        ? []
        : [{ type: 'EntryUpdated', data: { entryId: current.entryId, changes: effective } }];
    }
    case 'DeleteEntry': {
      const current = existing(state);
      return current.status === 'deleted' ? [] : [{ type: 'EntryDeleted', data: { entryId: current.entryId } }];
    }
    case 'RestoreEntry': {
      const current = existing(state);
      return current.status === 'active' ? [] : [{ type: 'EntryRestored', data: { entryId: current.entryId } }];
    }
    default:
      return unreachable(command);
  }
}

/** The entry after one more of its events. Pure; unknown event types leave it unchanged. */
export function evolveEntry(state: EntryState, event: DomainEvent): EntryState {
  switch (event.type) {
    case 'EntryCreated': {
      const { entryId, ...fields } = event.data;
      return { status: 'active', entryId, version: 1, ...fields };
    }
    case 'EntryUpdated': {
      const current = existing(state);
      return { ...current, ...event.data.changes, version: current.version + 1 };
    }
    case 'EntryDeleted':
      return { ...existing(state), status: 'deleted', version: existing(state).version + 1 };
    case 'EntryRestored':
      return { ...existing(state), status: 'active', version: existing(state).version + 1 };
    default:
      return state;
  }
}

/** Words in Markdown text (markup and links' targets do not count) and reading time in seconds. */
export function measure(markdown: string): { wordCount: number; readingTime: number } {
  const text = markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`~|-]+/g, ' ');
  const wordCount = text.split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length;
  return { wordCount, readingTime: Math.ceil((wordCount * 60) / wordsPerMinute) };
}

/** Tags as stored: trimmed, lowercased, unique, each 1–50 characters, at most 20. */
export function normalizeTags(tags: readonly string[]): string[] {
  tags.forEach((tag, i) => checkText(`tags/${i}`, tag));
  const normalized = [...new Set(tags.map((tag) => tag.trim().toLowerCase()))];
  normalized.forEach((tag, i) => {
    if (tag.length === 0 || textLength(tag) > limits.tag)
      throw ruleViolation(`tags/${i}`, `must be 1–${limits.tag} characters`);
  });
  if (normalized.length > limits.tags) throw ruleViolation('tags', `at most ${limits.tags} tags`);
  return normalized;
}

function existing(state: EntryState): Exclude<EntryState, { status: 'absent' }> {
  if (state.status === 'absent') throw new AppError('NOT_FOUND', 'no such entry');
  return state;
}

/** Whether `date` is YYYY-MM-DD naming a real calendar day. */
export function isCalendarDate(date: unknown): date is string {
  return (
    typeof date === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(date) &&
    !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) &&
    new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date
  );
}

/** Whether `date` can be an entry's: a calendar day from 1900 to 2999. */
export function isEntryDate(date: unknown): date is string {
  return isCalendarDate(date) && date >= '1900-01-01' && date <= '2999-12-31';
}

function checkDate(date: string): string {
  if (!isCalendarDate(date)) throw ruleViolation('date', 'must be a calendar date, YYYY-MM-DD');
  if (!isEntryDate(date)) throw ruleViolation('date', 'must be between 1900 and 2999');
  return date;
}

/** `value` if it is text (no U+0000, no lone surrogate); else the field's rule violation. */
export function checkText(field: string, value: string): string {
  const problem = textProblem(value);
  if (problem !== undefined) throw ruleViolation(field, problem);
  return value;
}

export function checkTitle(title: string): string {
  const trimmed = checkText('title', title).trim();
  if (trimmed.length === 0 || textLength(trimmed) > limits.title) {
    throw ruleViolation('title', `must be 1–${limits.title} characters`);
  }
  return trimmed;
}

export function checkContent(content: string): string {
  checkText('content', content);
  if (textLength(content) > limits.content)
    throw ruleViolation('content', `must be at most ${limits.content} characters`);
  return content;
}

export function checkMood(mood: string | null): Mood | null {
  if (mood === null) return null;
  if (!(moods as readonly string[]).includes(mood)) throw ruleViolation('mood', `must be one of ${moods.join(', ')}`);
  return mood as Mood;
}

function checkOptionalText(field: string, value: string | null, max: number): string | null {
  if (value === null) return null;
  const trimmed = checkText(field, value).trim();
  if (textLength(trimmed) > max) throw ruleViolation(field, `must be at most ${max} characters`);
  return trimmed.length === 0 ? null : trimmed;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function unreachable(value: never): never {
  throw new Error(`unhandled: ${JSON.stringify(value)}`);
}
