import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { CommandResult, Entry } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Loading } from '../components/Loading';
import { Preview } from '../components/Preview';
import { EntryForm } from '../entry/EntryForm';
import { entryKeys, fetchEntry } from '../entry/queries';

/** One entry: read it rendered, edit it (autosaved), delete it to the trash and restore it. */
export default function EntryPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams({ strict: false });
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const entry = useQuery({
    queryKey: entryKeys.one(id),
    queryFn: ({ signal }) => fetchEntry(id, signal),
    enabled: !deleted,
  });
  const change = useMutation({
    mutationFn: (action: 'delete' | 'restore') =>
      action === 'delete'
        ? api<CommandResult>('DELETE', `/v1/entries/${encodeURIComponent(id)}`)
        : api<CommandResult>('POST', `/v1/entries/${encodeURIComponent(id)}/restore`),
    onSuccess: async (_, action) => {
      setDeleted(action === 'delete');
      setEditing(false);
      await queries.invalidateQueries({ queryKey: entryKeys.all });
    },
  });

  if (deleted) {
    return (
      <section>
        <h1>{t('entry.deletedTitle')}</h1>
        <p role="status">{t('entry.deleted')}</p>
        <div className="actions">
          <button type="button" disabled={change.isPending} onClick={() => change.mutate('restore')}>
            {t('entry.restore')}
          </button>
          <Link to="/trash">{t('trash.title')}</Link>
        </div>
        {change.isError && <ErrorText message={inWords(t, change.error)} />}
      </section>
    );
  }
  if (entry.isPending) return <Loading />;
  if (entry.isError) return <ErrorText message={inWords(t, entry.error)} />;
  return (
    <section>
      {editing ? (
        <>
          <h1>
            {t('entry.editing')} <small className="date">{entry.data.date}</small>
          </h1>
          <EntryForm date={entry.data.date} loaded={entry.data} />
          <button type="button" className="quiet" onClick={() => void entry.refetch().then(() => setEditing(false))}>
            {t('entry.done')}
          </button>
        </>
      ) : (
        <EntryRead entry={entry.data} />
      )}
      <div className="actions">
        {!editing && (
          <button type="button" onClick={() => setEditing(true)}>
            {t('entry.edit')}
          </button>
        )}
        <button type="button" className="danger" disabled={change.isPending} onClick={() => change.mutate('delete')}>
          {t('entry.delete')}
        </button>
        <Link to="/entries/$id/history" params={{ id }}>
          {t('history.title')}
        </Link>
      </div>
      {change.isError && <ErrorText message={inWords(t, change.error)} />}
    </section>
  );
}

/** An entry as the writer reads it. */
export function EntryRead({ entry }: { readonly entry: Entry }) {
  const { t } = useTranslation();
  return (
    <article className="entry">
      <h1>
        {entry.title === '' ? t('entries.noTitle') : entry.title} <small className="date">{entry.date}</small>
      </h1>
      <p className="meta">
        {entry.mood !== null && <span className={`badge mood-${entry.mood}`}>{t(`mood.${entry.mood}`)}</span>}
        {entry.tags.map((tag) => (
          <span key={tag} className="badge">
            #{tag}
          </span>
        ))}
        {entry.isPrivate && <span className="badge">{t('today.field.private')}</span>}
        {entry.location !== null && <span className="badge">{entry.location}</span>}
        {entry.weather !== null && <span className="badge">{entry.weather}</span>}
      </p>
      <section className="content" aria-label={t('entry.content')}>
        <Preview content={entry.content} />
      </section>
    </article>
  );
}
