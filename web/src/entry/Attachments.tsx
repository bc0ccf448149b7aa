import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, authorization, sawPosition } from '../api/client';
import { inWords } from '../api/words';
import { ErrorText } from '../components/Field';

/** An attachment as the entry view lists it. */
interface Attached {
  readonly id: string;
  readonly fileName: string | null;
  readonly contentType: string;
  readonly size: number;
  readonly thumbnail: boolean;
}

interface Upload {
  readonly name: string;
  readonly loaded: number;
  readonly total: number;
}

const accepted = 'image/jpeg,image/png,image/gif,image/webp,application/pdf';

/** Sends a file as the API's multipart body, telling its progress (fetch cannot). */
function send(entryId: string, file: File, progress: (loaded: number) => void) {
  return new Promise<{ position: number }>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/v1/entries/${encodeURIComponent(entryId)}/attachments`);
    for (const [name, value] of Object.entries(authorization())) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => progress(event.loaded);
    request.onerror = () => reject(new TypeError('network'));
    request.onload = () => {
      const body = JSON.parse(request.responseText || '{}') as { position?: number; error?: { message?: string } };
      if (request.status === 201) resolve({ position: body.position ?? 0 });
      else reject(new Error(body.error?.message ?? request.statusText));
    };
    const form = new FormData();
    form.append('file', file);
    request.send(form);
  });
}

/** The entry's attachments: added by picker or drop, with progress; images shown by their thumbnail. */
export function Attachments({ entryId }: { readonly entryId: string | null }) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const [uploads, setUploads] = useState<readonly Upload[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const attached = useQuery({
    queryKey: ['entries', 'attachments', entryId],
    queryFn: ({ signal }) => api<{ attachments: Attached[] }>('GET', `/v1/entries/${entryId ?? ''}`, { signal }),
    enabled: entryId !== null,
    // A thumbnail is made after the upload: looked for again until every image has one.
    refetchInterval: (query) =>
      query.state.data?.attachments.some((item) => item.contentType.startsWith('image/') && !item.thumbnail) === true
        ? 1_000
        : false,
  });
  if (entryId === null) return <p className="hint">{t('attachments.saveFirst')}</p>;

  const add = async (files: readonly File[]) => {
    setError(null);
    for (const file of files) {
      setUploads((all) => [...all, { name: file.name, loaded: 0, total: file.size }]);
      const progress = (loaded: number) =>
        setUploads((all) => all.map((upload) => (upload.name === file.name ? { ...upload, loaded } : upload)));
      try {
        sawPosition((await send(entryId, file, progress)).position);
      } catch (failure) {
        setError(`${file.name}: ${inWords(t, failure)}`);
      } finally {
        setUploads((all) => all.filter((upload) => upload.name !== file.name));
      }
    }
    await queries.invalidateQueries({ queryKey: ['entries', 'attachments', entryId] });
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    void add([...event.dataTransfer.files]);
  };

  return (
    <section aria-labelledby={`${id}-title`} className="attachments">
      <h2 id={`${id}-title`}>{t('attachments.title')}</h2>
      <div
        className={over ? 'drop over' : 'drop'}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <label htmlFor={`${id}-file`}>{t('attachments.pick')}</label>
        <input
          id={`${id}-file`}
          type="file"
          multiple
          accept={accepted}
          onChange={(event) => {
            void add([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
        <small className="hint">{t('attachments.hint')}</small>
      </div>
      {uploads.map((upload) => (
        <progress
          key={upload.name}
          aria-label={t('attachments.progress', { name: upload.name })}
          value={upload.loaded}
          max={Math.max(upload.total, 1)}
        />
      ))}
      {error !== null && <ErrorText message={error} />}
      {(attached.data?.attachments.length ?? 0) > 0 && (
        <ul className="attached" aria-label={t('attachments.list')}>
          {attached.data?.attachments.map((item) => (
            <li key={item.id}>
              {item.thumbnail ? <Thumbnail entryId={entryId} item={item} /> : null}
              <span>{item.fileName ?? t('attachments.unnamed')}</span>{' '}
              <small className="date">{Math.ceil(item.size / 1024)} KB</small>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** An image's thumbnail, through its signed link. */
function Thumbnail({ entryId, item }: { readonly entryId: string; readonly item: Attached }) {
  const link = useQuery({
    queryKey: ['entries', 'attachments', entryId, item.id],
    queryFn: ({ signal }) =>
      api<{ thumbnailUrl: string | null }>('GET', `/v1/entries/${entryId}/attachments/${item.id}`, { signal }),
    staleTime: 10 * 60_000,
  });
  if (link.data?.thumbnailUrl == null) return null;
  return <img src={link.data.thumbnailUrl} alt={item.fileName ?? ''} width={80} height={80} />;
}
