import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { CommandResult, OwnPrompt } from '../api/types';
import { inWords } from '../api/words';
import { Answer } from '../components/Answer';
import { ErrorText } from '../components/Field';
import { RemovableItem } from './RemovableItem';

/** The writer's own writing prompts: they join the prompts of the day from the next day on. */
export function OwnPrompts() {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const prompts = useQuery({
    queryKey: ['prompts', 'mine'],
    queryFn: ({ signal }) => api<{ items: OwnPrompt[] }>('GET', '/v1/prompts', { signal }),
  });
  const [text, setText] = useState('');
  const refresh = () => void queries.invalidateQueries({ queryKey: ['prompts', 'mine'] });
  const add = useMutation({
    mutationFn: () => api<CommandResult>('POST', '/v1/prompts', { body: { text } }),
    onSuccess: () => {
      setText('');
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (prompt: OwnPrompt) => api<CommandResult>('DELETE', `/v1/prompts/${encodeURIComponent(prompt.id)}`),
    onSuccess: refresh,
  });
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <section aria-labelledby={`${id}-prompts`}>
      <h2 id={`${id}-prompts`}>{t('habits.prompts')}</h2>
      <Answer query={prompts} empty={t('habits.noPrompts')}>
        {(items) => (
          <ul className="entries">
            {items.map((prompt) => (
              <RemovableItem
                key={prompt.id}
                label={t('habits.removePrompt', { text: prompt.text })}
                removing={remove.isPending}
                onRemove={() => remove.mutate(prompt)}
              >
                <span>{prompt.text}</span>
              </RemovableItem>
            ))}
          </ul>
        )}
      </Answer>
      <form onSubmit={submit} aria-labelledby={`${id}-new`}>
        <h3 id={`${id}-new`}>{t('habits.newPrompt')}</h3>
        <div className="field">
          <label htmlFor={`${id}-text`}>{t('habits.promptText')}</label>
          <textarea
            id={`${id}-text`}
            rows={2}
            required
            maxLength={500}
            aria-describedby={`${id}-hint`}
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
          <small id={`${id}-hint`} className="hint">
            {t('habits.promptHint')}
          </small>
        </div>
        <button type="submit" disabled={add.isPending}>
          {t('habits.addPrompt')}
        </button>
      </form>
      {(add.isError || remove.isError) && <ErrorText message={inWords(t, add.error ?? remove.error)} />}
    </section>
  );
}
