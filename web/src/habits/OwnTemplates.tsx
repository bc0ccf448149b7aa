import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { CommandResult, Template } from '../api/types';
import { inWords } from '../api/words';
import { Answer } from '../components/Answer';
import { ErrorText, Field } from '../components/Field';
import { RemovableItem } from './RemovableItem';

/** The writer's own entry templates: listed, saved, removed (the built-in ones are offered above a new entry). */
export function OwnTemplates() {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: ({ signal }) => api<{ items: Template[] }>('GET', '/v1/templates', { signal }),
    select: (answer) => ({ items: answer.items.filter((template) => !template.builtIn) }),
  });
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const refresh = () => void queries.invalidateQueries({ queryKey: ['templates'] });
  const save = useMutation({
    mutationFn: () => api<CommandResult>('POST', '/v1/templates', { body: { name, title, content } }),
    onSuccess: () => {
      setName('');
      setTitle('');
      setContent('');
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (template: Template) =>
      api<CommandResult>('DELETE', `/v1/templates/${encodeURIComponent(template.id)}`, {
        ...(template.version === null ? {} : { ifMatch: template.version }),
      }),
    onSuccess: refresh,
  });
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <section aria-labelledby={`${id}-templates`}>
      <h2 id={`${id}-templates`}>{t('habits.templates')}</h2>
      <Answer query={templates} empty={t('habits.noTemplates')}>
        {(items) => (
          <ul className="entries">
            {items.map((template) => (
              <RemovableItem
                key={template.id}
                label={t('habits.removeTemplate', { name: template.name })}
                removing={remove.isPending}
                onRemove={() => remove.mutate(template)}
              >
                <span className="title">{template.name}</span>
                <span className="hint">{template.title}</span>
              </RemovableItem>
            ))}
          </ul>
        )}
      </Answer>
      <form onSubmit={submit} aria-labelledby={`${id}-new`}>
        <h3 id={`${id}-new`}>{t('habits.newTemplate')}</h3>
        <Field
          label={t('habits.templateName')}
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <Field
          label={t('today.field.title')}
          required
          maxLength={200}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
        />
        <div className="field">
          <label htmlFor={`${id}-content`}>{t('today.field.entry')}</label>
          <textarea
            id={`${id}-content`}
            rows={4}
            maxLength={10_000}
            value={content}
            onChange={(event) => setContent(event.target.value)}
          />
        </div>
        <button type="submit" disabled={save.isPending}>
          {t('habits.saveTemplate')}
        </button>
      </form>
      {(save.isError || remove.isError) && <ErrorText message={inWords(t, save.error ?? remove.error)} />}
    </section>
  );
}
