import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { ErasureReceipt, ExportJob, ImportReport } from '../api/types';
import { inWords } from '../api/words';
import { signOut } from '../auth/session';
import { ErrorText, Field } from '../components/Field';

/** The writer's data: an export to download, an import (checked first), the account deleted. */
export default function YourData() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('data.title')}</h1>
      <Export />
      <Import />
      <DeleteAccount />
    </section>
  );
}

function Export() {
  const { t } = useTranslation();
  const id = useId();
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useQuery({
    queryKey: ['exports', jobId],
    queryFn: ({ signal }) => api<ExportJob>('GET', `/v1/me/exports/${jobId ?? ''}`, { signal }),
    enabled: jobId !== null,
    refetchInterval: (query) => (['completed', 'failed'].includes(query.state.data?.status ?? '') ? false : 1_000),
  });
  const start = async () => {
    setError(null);
    try {
      setJobId((await api<{ id: string }>('POST', '/v1/me/exports')).id);
    } catch (failure) {
      setError(inWords(t, failure));
    }
  };
  const progress = job.data?.progress;
  return (
    <section aria-labelledby={`${id}-export`}>
      <h2 id={`${id}-export`}>{t('data.export')}</h2>
      <p className="hint">{t('data.exportHint')}</p>
      <button type="button" onClick={() => void start()} disabled={jobId !== null && job.data?.status !== 'failed'}>
        {t('data.exportStart')}
      </button>
      {error !== null && <ErrorText message={error} />}
      {job.isError && <ErrorText message={inWords(t, job.error)} />}
      {progress !== undefined && job.data?.status !== 'completed' && (
        <progress aria-label={t('data.exportProgress')} value={progress.done} max={Math.max(progress.total, 1)} />
      )}
      {job.data?.status === 'failed' && <ErrorText message={t('data.exportFailed')} />}
      {job.data?.downloadUrl !== undefined && (
        <p>
          <a href={job.data.downloadUrl} download="mindflow-export.zip">
            {t('data.download')}
          </a>
        </p>
      )}
    </section>
  );
}

function Import() {
  const { t } = useTranslation();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (dryRun: boolean) => {
    if (file === null) return;
    const form = new FormData();
    form.append('file', file);
    setBusy(true);
    setError(null);
    try {
      setReport(await api<ImportReport>('POST', `/v1/me/imports?dryRun=${String(dryRun)}`, { form }));
    } catch (failure) {
      setError(inWords(t, failure));
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void send(true);
  };
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-import`}>
      <h2 id={`${id}-import`}>{t('data.import')}</h2>
      <Field
        label={t('data.importFile')}
        hint={t('data.importHint')}
        type="file"
        accept=".zip,application/zip"
        onChange={(event) => {
          setFile(event.target.files?.[0] ?? null);
          setReport(null);
        }}
      />
      <button type="submit" disabled={file === null || busy}>
        {t('data.importCheck')}
      </button>
      {error !== null && <ErrorText message={error} />}
      {report !== null && (
        <div role="status">
          <p>
            {t(report.dryRun ? 'data.wouldImport' : 'data.imported', {
              created: report.created.length,
              skipped: report.skipped.length,
              rejected: report.rejected.length,
            })}
          </p>
          <ul className="report">
            {report.skipped.map((item) => (
              <li key={`s-${item.source}`}>
                {item.date}: {item.reason}
              </li>
            ))}
            {report.rejected.map((item) => (
              <li key={`r-${item.source}`}>
                {item.source}: {item.reason}
              </li>
            ))}
          </ul>
          {report.dryRun && report.created.length > 0 && (
            <button type="button" disabled={busy} onClick={() => void send(false)}>
              {t('data.importNow')}
            </button>
          )}
        </div>
      )}
    </form>
  );
}

function DeleteAccount() {
  const { t } = useTranslation();
  const id = useId();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [understood, setUnderstood] = useState(false);
  const [receipt, setReceipt] = useState<ErasureReceipt | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(null);
    try {
      setReceipt(await api<ErasureReceipt>('DELETE', '/v1/me', { body: { password } }));
    } catch (failure) {
      setError(inWords(t, failure));
    }
  };
  if (receipt !== null) {
    return (
      <section aria-labelledby={`${id}-receipt`}>
        <h2 id={`${id}-receipt`}>{t('data.deleted')}</h2>
        <dl className="totals">
          <div>
            <dt>{t('data.erasedAt')}</dt>
            <dd>{new Date(receipt.erasedAt).toLocaleString()}</dd>
          </div>
          <div>
            <dt>{t('data.dataKey')}</dt>
            <dd>{t('data.destroyed')}</dd>
          </div>
          <div>
            <dt>{t('data.files')}</dt>
            <dd>{receipt.blobs}</dd>
          </div>
        </dl>
        <button type="button" onClick={() => void signOut().then(() => navigate({ to: '/sign-up' }))}>
          {t('data.done')}
        </button>
      </section>
    );
  }
  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-delete`}>
      <h2 id={`${id}-delete`}>{t('data.delete')}</h2>
      <p className="hint">{t('data.deleteHint')}</p>
      <Field
        label={t('auth.password')}
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <label className="check">
        <input type="checkbox" checked={understood} onChange={(event) => setUnderstood(event.target.checked)} />
        {t('data.understood')}
      </label>
      <button type="submit" className="danger" disabled={!understood || password === ''}>
        {t('data.deleteNow')}
      </button>
      {error !== null && <ErrorText message={error} />}
    </form>
  );
}
