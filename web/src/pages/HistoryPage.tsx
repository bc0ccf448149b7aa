import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { diffWords } from 'diff';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Entry, HistoryItem } from '../api/types';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';
import { Loading } from '../components/Loading';
import { entryKeys, fetchHistory, fetchVersion } from '../entry/queries';
import { EntryRead } from './EntryPage';

/** An entry's versions: what each changed, the entry as it was at one, and a diff between two. */
export default function HistoryPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams({ strict: false });
  const history = useQuery({ queryKey: entryKeys.history(id), queryFn: ({ signal }) => fetchHistory(id, signal) });
  const [shown, setShown] = useState<number | null>(null);
  const [pair, setPair] = useState<readonly [number, number] | null>(null);

  if (history.isPending) return <Loading />;
  if (history.isError) return <ErrorText message={inWords(t, history.error)} />;
  const items = history.data.items;
  const versions = items.map((item) => item.version);
  const [from, to] = pair ?? [versions.at(-2) ?? versions[0] ?? 1, versions.at(-1) ?? 1];
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <section>
      <h1>{t('history.title')}</h1>
      <p>
        <Link to="/entries/$id" params={{ id }}>
          {t('history.back')}
        </Link>
      </p>
      <ol className="history" aria-label={t('history.versions')}>
        {items.map((item: HistoryItem) => (
          <li key={item.version}>
            <span className="version">{t('history.version', { version: item.version })}</span>
            <span>{t(`history.kind.${item.kind}`)}</span>
            <time dateTime={item.at}>{when.format(new Date(item.at))}</time>
            <span className="hint">
              {Object.keys(item.changes)
                .filter((field) => field !== 'date')
                .join(', ')}
            </span>
            <button type="button" className="quiet" onClick={() => setShown(item.version)}>
              {t('history.show', { version: item.version })}
            </button>
          </li>
        ))}
      </ol>
      {shown !== null && <AtVersion id={id} version={shown} />}
      {versions.length > 1 && (
        <>
          <h2>{t('history.compare')}</h2>
          <div className="filters">
            <VersionSelect
              label={t('history.from')}
              versions={versions}
              value={from}
              onChange={(v) => setPair([v, to])}
            />
            <VersionSelect
              label={t('history.to')}
              versions={versions}
              value={to}
              onChange={(v) => setPair([from, v])}
            />
          </div>
          <Diff id={id} from={from} to={to} />
        </>
      )}
    </section>
  );
}

function VersionSelect({
  label,
  versions,
  value,
  onChange,
}: {
  readonly label: string;
  readonly versions: readonly number[];
  readonly value: number;
  readonly onChange: (version: number) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {versions.map((version) => (
          <option key={version} value={version}>
            {version}
          </option>
        ))}
      </select>
    </div>
  );
}

function useVersion(id: string, version: number) {
  return useQuery({
    queryKey: entryKeys.version(id, version),
    queryFn: ({ signal }) => fetchVersion(id, version, signal),
    staleTime: Infinity,
  });
}

/** The entry as it was at one version. */
function AtVersion({ id, version }: { readonly id: string; readonly version: number }) {
  const { t } = useTranslation();
  const found = useVersion(id, version);
  return (
    <section className="at-version" aria-label={t('history.atVersion', { version })}>
      <h2>{t('history.atVersion', { version })}</h2>
      {found.isPending ? (
        <Loading />
      ) : found.isError ? (
        <ErrorText message={inWords(t, found.error)} />
      ) : (
        <>
          {found.data.deleted && <p className="hint">{t('history.wasDeleted')}</p>}
          <EntryRead entry={found.data.entry} />
        </>
      )}
    </section>
  );
}

const compared = (entry: Entry) =>
  `${entry.title}\n\n${entry.content}\n\n${entry.mood ?? ''} ${entry.tags.map((tag) => `#${tag}`).join(' ')}`;

/** What changed between two versions, word by word (insertions and deletions marked). */
function Diff({ id, from, to }: { readonly id: string; readonly from: number; readonly to: number }) {
  const { t } = useTranslation();
  const before = useVersion(id, from);
  const after = useVersion(id, to);
  if (before.isPending || after.isPending) return <Loading />;
  if (before.isError || after.isError) return <ErrorText message={inWords(t, before.error ?? after.error)} />;
  const parts = diffWords(compared(before.data.entry), compared(after.data.entry));
  return (
    <pre className="diff" aria-label={t('history.diff', { from, to })}>
      {parts.map((part, index) =>
        part.added ? (
          <ins key={index}>{part.value}</ins>
        ) : part.removed ? (
          <del key={index}>{part.value}</del>
        ) : (
          <span key={index}>{part.value}</span>
        ),
      )}
    </pre>
  );
}
