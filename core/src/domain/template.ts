import { AppError } from '../errors/index.js';
import { checkContent, checkMood, checkText, checkTitle, normalizeTags, type Mood } from './entry.js';
import { ruleViolation, type DomainEvent } from './rules.js';
import { textLength } from './text.js';

/** What a template fills in a new entry (POST /v1/entries with templateId): the fields the body leaves out. */
export interface TemplateFields {
  readonly name: string;
  readonly title: string;
  readonly content: string;
  readonly tags: readonly string[];
  readonly mood: Mood | null;
}

export type TemplateState =
  { readonly status: 'absent' } | ({ readonly status: 'active' | 'removed'; readonly userId: string } & TemplateFields);

export type TemplateCommand =
  | {
      readonly type: 'CreateTemplate';
      readonly templateId: string;
      readonly template: Omit<TemplateFields, 'mood' | 'tags'> & {
        readonly tags?: readonly string[];
        readonly mood?: Mood | null;
      };
      /** How many templates the writer has now. */
      readonly templates: number;
    }
  | { readonly type: 'ChangeTemplate'; readonly templateId: string; readonly changes: Partial<TemplateFields> }
  | { readonly type: 'RemoveTemplate'; readonly templateId: string };

/** A writer keeps at most this many templates of their own. */
export const maxTemplates = 50;

function checkName(name: string): string {
  const trimmed = checkText('name', name).trim();
  if (trimmed === '') throw ruleViolation('name', 'must not be blank');
  if (textLength(trimmed) > 100) throw ruleViolation('name', 'must be at most 100 characters');
  return trimmed;
}

/** Decides a template command's events, or throws the rule it breaks. Pure. */
export function decideTemplate(command: TemplateCommand, state: TemplateState): DomainEvent[] {
  switch (command.type) {
    case 'CreateTemplate': {
      if (state.status !== 'absent') throw new AppError('CONFLICT', `template ${command.templateId} already exists`);
      if (command.templates >= maxTemplates) {
        throw new AppError('CONFLICT', `you have ${String(maxTemplates)} templates already`);
      }
      const { name, title, content, tags, mood } = command.template;
      return [
        {
          type: 'TemplateCreated',
          data: {
            templateId: command.templateId,
            name: checkName(name),
            title: checkTitle(title),
            content: checkContent(content),
            tags: normalizeTags(tags ?? []),
            mood: checkMood(mood ?? null),
          },
        },
      ];
    }
    case 'ChangeTemplate': {
      if (state.status !== 'active') throw new AppError('NOT_FOUND', 'no such template');
      const { name, title, content, tags, mood } = command.changes;
      const next = {
        ...(name === undefined ? {} : { name: checkName(name) }),
        ...(title === undefined ? {} : { title: checkTitle(title) }),
        ...(content === undefined ? {} : { content: checkContent(content) }),
        ...(tags === undefined ? {} : { tags: normalizeTags(tags) }),
        ...(mood === undefined ? {} : { mood: checkMood(mood) }),
      };
      const changes = Object.fromEntries(
        Object.entries(next).filter(
          ([field, value]) => JSON.stringify(state[field as keyof TemplateFields]) !== JSON.stringify(value),
        ),
      );
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'TemplateChanged', data: { templateId: command.templateId, changes } }];
    }
    case 'RemoveTemplate':
      if (state.status !== 'active') throw new AppError('NOT_FOUND', 'no such template');
      return [{ type: 'TemplateRemoved', data: { templateId: command.templateId } }];
  }
}

/** The templates every writer has, in English and Portuguese (by the profile's language). */
export const builtInTemplates: readonly {
  readonly id: string;
  readonly fields: Readonly<Record<'en' | 'pt', TemplateFields>>;
}[] = Object.freeze([
  {
    id: '6d2f4a1e-9c3b-4e7a-8f10-000000000001',
    fields: {
      en: {
        name: 'Gratitude list',
        title: 'Three good things',
        content: '## Three things I am grateful for today\n\n1. \n2. \n3. \n\n## Why they mattered\n\n',
        tags: ['gratitude'],
        mood: null,
      },
      pt: {
        name: 'Lista de gratidão',
        title: 'Três coisas boas',
        content: '## Três coisas pelas quais estou grato hoje\n\n1. \n2. \n3. \n\n## Porque importaram\n\n',
        tags: ['gratidão'],
        mood: null,
      },
    },
  },
  {
    id: '6d2f4a1e-9c3b-4e7a-8f10-000000000002',
    fields: {
      en: {
        name: 'Daily review',
        title: 'Today, looking back',
        content:
          '## What happened\n\n\n## What went well\n\n\n## What I would do differently\n\n\n## Tomorrow I want to\n\n',
        tags: ['review'],
        mood: null,
      },
      pt: {
        name: 'Revisão do dia',
        title: 'Hoje, em retrospetiva',
        content:
          '## O que aconteceu\n\n\n## O que correu bem\n\n\n## O que faria de outra forma\n\n\n## Amanhã quero\n\n',
        tags: ['revisão'],
        mood: null,
      },
    },
  },
  {
    id: '6d2f4a1e-9c3b-4e7a-8f10-000000000003',
    fields: {
      en: {
        name: 'Weekly reflection',
        title: 'My week',
        content:
          '## The highlight of the week\n\n\n## What was hard\n\n\n## What I learned\n\n\n## One thing to carry into next week\n\n',
        tags: ['reflection', 'weekly'],
        mood: null,
      },
      pt: {
        name: 'Reflexão semanal',
        title: 'A minha semana',
        content:
          '## O melhor da semana\n\n\n## O que foi difícil\n\n\n## O que aprendi\n\n\n## Uma coisa a levar para a próxima semana\n\n',
        tags: ['reflexão', 'semanal'],
        mood: null,
      },
    },
  },
]);

/** A built-in template's fields in `language` (English when it has none in that language). */
export function builtInTemplate(id: string, language: string): TemplateFields | undefined {
  const found = builtInTemplates.find((template) => template.id === id);
  return found === undefined ? undefined : language === 'pt' ? found.fields.pt : found.fields.en;
}
