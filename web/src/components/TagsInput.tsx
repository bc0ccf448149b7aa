import { useQuery } from '@tanstack/react-query';
import { useId, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';

const maxTags = 20;

/** Tags as removable chips; a text field named "Tags" adds one on Enter or comma, with suggestions. */
export function TagsInput({
  value,
  onChange,
}: {
  readonly value: readonly string[];
  readonly onChange: (tags: readonly string[]) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [text, setText] = useState('');
  const prefix = text.trim().toLowerCase();
  const suggestions = useQuery({
    queryKey: ['tags', 'suggest', prefix],
    queryFn: ({ signal }) =>
      api<{ items: string[] }>('GET', `/v1/tags/suggest?prefix=${encodeURIComponent(prefix)}`, { signal }),
    enabled: prefix.length > 0,
    staleTime: 30_000,
  });

  const add = () => {
    const tag = text.trim().replace(/,$/, '').trim();
    setText('');
    if (tag === '' || value.includes(tag) || value.length >= maxTags) return;
    onChange([...value, tag]);
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      add();
    } else if (event.key === 'Backspace' && text === '' && value.length > 0) {
      onChange(value.slice(0, -1));
    }
  };

  return (
    <div className="field tags">
      <label htmlFor={id}>{t('today.field.tags')}</label>
      <ul className="chips">
        {value.map((tag) => (
          <li key={tag}>
            {tag}
            <button
              type="button"
              className="quiet"
              aria-label={t('today.removeTag', { tag })}
              onClick={() => onChange(value.filter((other) => other !== tag))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <input
        id={id}
        list={`${id}-suggestions`}
        value={text}
        maxLength={50}
        autoComplete="off"
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKey}
        onBlur={add}
      />
      <datalist id={`${id}-suggestions`}>
        {(suggestions.data?.items ?? []).map((tag) => (
          <option key={tag} value={tag} />
        ))}
      </datalist>
    </div>
  );
}
