import { useDeferredValue, useEffect, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Entry } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText, Field } from '../components/Field';
import { MarkdownEditor } from '../components/MarkdownEditor';
import { MoodPicker } from '../components/MoodPicker';
import { Preview } from '../components/Preview';
import { TagsInput } from '../components/TagsInput';
import { Attachments } from './Attachments';
import { Starters } from './Starters';
import { useAutosave } from './autosave';

/**
 * The form an entry is written in (today's, or one opened from the list): title, Markdown with
 * its preview, mood, tags, private; saved a moment after each change (Ctrl/Cmd+S at once).
 */
export function EntryForm({ date, loaded }: { readonly date: string; readonly loaded: Entry | null }) {
  const { t } = useTranslation();
  const { draft, change, status, error, theirs, keepTheirs, keepMine, saveNow, entryId } = useAutosave(date, loaded);
  const previewed = useDeferredValue(draft.content);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
        event.preventDefault();
        saveNow();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [saveNow]);

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    saveNow();
  };

  return (
    <>
      {entryId === null && <Starters change={change} />}
      <form className="today" onSubmit={submit}>
        <Field
          label={t('today.field.title')}
          value={draft.title}
          maxLength={200}
          onChange={(event) => change({ title: event.target.value })}
        />
        <div className="write">
          <div className="field">
            <span className="label" aria-hidden="true">
              {t('today.field.entry')}
            </span>
            <MarkdownEditor
              label={t('today.field.entry')}
              value={draft.content}
              onChange={(content) => change({ content })}
            />
          </div>
          <section className="preview" aria-label={t('today.preview')}>
            <h2 className="label">{t('today.preview')}</h2>
            {previewed.trim() === '' ? (
              <p className="hint">{t('today.previewEmpty')}</p>
            ) : (
              <Preview content={previewed} />
            )}
          </section>
        </div>
        <MoodPicker value={draft.mood} onChange={(mood) => change({ mood })} />
        <TagsInput value={draft.tags} onChange={(tags) => change({ tags })} />
        <div className="filters">
          <Field
            label={t('today.field.location')}
            value={draft.location ?? ''}
            maxLength={200}
            onChange={(event) => change({ location: event.target.value === '' ? null : event.target.value })}
          />
          <Field
            label={t('today.field.weather')}
            value={draft.weather ?? ''}
            maxLength={100}
            onChange={(event) => change({ weather: event.target.value === '' ? null : event.target.value })}
          />
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.isPrivate}
            onChange={(event) => change({ isPrivate: event.target.checked })}
          />
          {t('today.field.private')}
        </label>
        {theirs !== null && (
          <div
            className="conflict"
            role="alertdialog"
            aria-labelledby="conflict-title"
            aria-describedby="conflict-body"
          >
            <h2 id="conflict-title">{t('today.conflict.title')}</h2>
            <p id="conflict-body">{t('today.conflict.body')}</p>
            <div className="actions">
              <button type="button" onClick={keepTheirs}>
                {t('today.conflict.theirs')}
              </button>
              <button type="button" onClick={keepMine}>
                {t('today.conflict.yours')}
              </button>
            </div>
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={status === 'saving' || status === 'conflict'}>
            {t('today.save')}
          </button>
          <span className="status" role="status" aria-live="polite">
            {status === 'error' || status === 'conflict' ? '' : t(`today.status.${status}`)}
          </span>
        </div>
        {status === 'error' && <ErrorText message={inWords(t, error)} />}
      </form>
      <Attachments entryId={entryId} />
    </>
  );
}
