import { AppError } from '../errors/index.js';
import { promptLibrary, promptThemes } from './prompt-library.js';
import { ruleViolation, type DomainEvent } from './rules.js';
import { textLength, textProblem } from './text.js';

/** A writer keeps at most this many prompts of their own. */
export const maxOwnPrompts = 200;

/** A prompt's id: the library's `lib-NNN`, or a writer's own (a UUID). */
export const promptIdPattern =
  '^(lib-[0-9]{3}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';

export type PromptCommand =
  | {
      readonly type: 'AddPrompt';
      readonly promptId: string;
      readonly text: string;
      readonly theme: string | null;
      /** How many prompts the writer has now. */
      readonly prompts: number;
    }
  | { readonly type: 'RemovePrompt'; readonly promptId: string };

/** A writer's own prompt, as its events leave it. */
export type PromptState = { readonly status: 'absent' } | { readonly status: 'active' | 'removed' };

/** Decides a prompt command's events, or throws the rule it breaks. Pure. */
export function decidePrompt(command: PromptCommand, state: PromptState): DomainEvent[] {
  if (command.type === 'RemovePrompt') {
    if (state.status !== 'active') throw new AppError('NOT_FOUND', 'no such prompt');
    return [{ type: 'PromptRemoved', data: { promptId: command.promptId } }];
  }
  if (state.status !== 'absent') throw new AppError('CONFLICT', `prompt ${command.promptId} already exists`);
  if (command.prompts >= maxOwnPrompts)
    throw new AppError('CONFLICT', `you have ${String(maxOwnPrompts)} prompts already`);
  const problem = textProblem(command.text);
  if (problem !== undefined) throw ruleViolation('text', problem);
  const text = command.text.trim();
  if (text === '') throw ruleViolation('text', 'must not be blank');
  if (textLength(text) > 500) throw ruleViolation('text', 'must be at most 500 characters');
  const theme = command.theme;
  if (theme !== null && !(promptThemes as readonly string[]).includes(theme)) {
    throw ruleViolation('theme', `one of ${promptThemes.join(', ')}`);
  }
  return [{ type: 'PromptAdded', data: { promptId: command.promptId, text, theme } }];
}

/** A prompt as a writer is given it. */
export interface DrawnPrompt {
  readonly id: string;
  readonly text: string;
  readonly theme: string | null;
  readonly source: 'library' | 'mine';
}

const dayNumber = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
function offsetOf(userId: string): number {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

/**
 * The prompt of a writer's day: the pool (the library in their language and their own prompts,
 * or one of them) walked one step a day from a place of the writer's own. The same all day; the
 * next day's is another whenever the pool holds two or more. Own prompts join the pool on the
 * day after they are added, so that adding one never changes the prompt of the day.
 */
export function promptOfDay(
  userId: string,
  date: string,
  language: string,
  own: readonly { readonly id: string; readonly text: string; readonly theme: string | null }[],
  from: 'all' | 'library' | 'mine',
): DrawnPrompt | undefined {
  const pool: DrawnPrompt[] = [
    ...(from === 'mine'
      ? []
      : promptLibrary.map((prompt) => ({
          id: prompt.id,
          text: language === 'pt' ? prompt.pt : prompt.en,
          theme: prompt.theme,
          source: 'library' as const,
        }))),
    ...(from === 'library' ? [] : own.map((prompt) => ({ ...prompt, source: 'mine' as const }))),
  ];
  if (pool.length === 0) return undefined;
  return pool[(dayNumber(date) + offsetOf(userId)) % pool.length];
}
