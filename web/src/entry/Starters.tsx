import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { EntryDraft, PromptOfDay, Template } from '../api/types';

/**
 * Ways to begin a new entry: the prompt of the writer's day (writing from it records its id),
 * and the templates (built-in and theirs) that fill the title, text, tags and mood.
 */
export function Starters({ change }: { readonly change: (patch: Partial<EntryDraft>) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const prompt = useQuery({
    queryKey: ['prompts', 'today'],
    queryFn: ({ signal }) => api<PromptOfDay>('GET', '/v1/prompts/today', { signal }),
    retry: false,
  });
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: ({ signal }) => api<{ items: Template[] }>('GET', '/v1/templates', { signal }),
  });
  return (
    <div className="starters">
      {prompt.data !== undefined && <PromptAside prompt={prompt.data} change={change} />}
      {templates.data !== undefined && (
        <div className="field">
          <label htmlFor={`${id}-template`}>{t('today.template')}</label>
          <select
            id={`${id}-template`}
            defaultValue=""
            onChange={(event) => {
              const chosen = templates.data.items.find((template) => template.id === event.target.value);
              if (chosen !== undefined) {
                change({ title: chosen.title, content: chosen.content, tags: chosen.tags, mood: chosen.mood });
              }
            }}
          >
            <option value="">{t('today.noTemplate')}</option>
            {templates.data.items.map((template) => (
              <option key={template.id} value={template.id}>
                {template.name}
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}

function PromptAside({
  prompt,
  change,
}: {
  readonly prompt: PromptOfDay;
  readonly change: (patch: Partial<EntryDraft>) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <aside className="prompt" aria-labelledby={`${id}-prompt`}>
      <h2 id={`${id}-prompt`} className="label">
        {t('today.prompt')}
      </h2>
      <p>{prompt.text}</p>
      <button
        type="button"
        className="quiet"
        onClick={() => change({ promptId: prompt.id, content: `> ${prompt.text}\n\n` })}
      >
        {t('today.usePrompt')}
      </button>
    </aside>
  );
}
