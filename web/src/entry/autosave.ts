import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { CommandResult, Entry, EntryDraft } from '../api/types';
import { currentUser } from '../auth/session';
import { drafts } from './drafts';

export type SaveStatus = 'idle' | 'dirty' | 'saving' | 'saved' | 'needsTitle' | 'offline' | 'conflict' | 'error';

const autosaveDelayMs = 1_000;

/** What the server has: the entry's id and the version the next change must name in If-Match. */
interface Base {
  readonly id: string;
  readonly version: number;
}

/** A change sends the fields only: the prompt is the creation's. */
const withoutPrompt = ({ promptId: _prompt, ...fields }: EntryDraft) => fields;

const draftOf = (entry: Entry): EntryDraft => ({
  title: entry.title,
  content: entry.content,
  mood: entry.mood,
  tags: entry.tags,
  isPrivate: entry.isPrivate,
  location: entry.location,
  weather: entry.weather,
});

/**
 * The day's entry being written: a draft saved a second after the last keystroke (created
 * with POST, then changed with PATCH and If-Match). A save refused because the entry changed
 * elsewhere (412, or 409 for a day that now has an entry) stops autosave and holds both
 * versions until the writer picks one: nothing is overwritten silently.
 *
 * Every change is also kept on the device (drafts) until the server has it: a draft left by a
 * reload or a closed tab is taken up again when the day opens, and one that could not be sent
 * (offline) is sent when the connection is back.
 */
export function useAutosave(date: string, loaded: Entry | null) {
  const [draft, setDraft] = useState<EntryDraft>(() =>
    loaded === null
      ? { title: '', content: '', mood: null, tags: [], isPrivate: false, location: null, weather: null }
      : draftOf(loaded),
  );
  const [status, setStatus] = useState<SaveStatus>(loaded === null ? 'idle' : 'saved');
  const [error, setError] = useState<unknown>(null);
  const [theirs, setTheirs] = useState<Entry | null>(null);
  const base = useRef<Base | null>(loaded === null ? null : { id: loaded.id, version: loaded.version });
  /** The entry's id once the server has it (attachments need one). */
  const [entryId, setEntryId] = useState<string | null>(loaded?.id ?? null);
  const latest = useRef(draft);
  const inFlight = useRef(false);
  const again = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const userId = currentUser()?.id ?? 'anonymous';

  const conflictWith = useCallback(
    async (id: string | undefined) => {
      const newer =
        id === undefined
          ? (await api<{ items: Entry[] }>('GET', `/v1/entries?from=${date}&to=${date}&limit=1`)).items[0]
          : await api<Entry>('GET', `/v1/entries/${id}`);
      if (newer === undefined) throw new Error('the newer version could not be read');
      setTheirs(newer);
      setStatus('conflict');
    },
    [date],
  );

  /** Saves the latest draft; a save asked for while one is on its way follows it. */
  const save = useCallback(async (): Promise<void> => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      do {
        again.current = false;
        const sent = latest.current;
        if (sent.title.trim() === '') {
          setStatus('needsTitle');
          return;
        }
        setStatus('saving');
        const known = base.current;
        const result =
          known === null
            ? await api<CommandResult>('POST', '/v1/entries', { body: { date, ...sent } })
            : await api<CommandResult>('PATCH', `/v1/entries/${known.id}`, {
                body: withoutPrompt(sent),
                ifMatch: known.version,
              });
        base.current = { id: result.id, version: result.version };
        setEntryId(result.id);
        setError(null);
        if (latest.current !== sent) again.current = true;
        else await drafts.forget(userId, date);
        setStatus(again.current ? 'dirty' : 'saved');
      } while (again.current);
    } catch (failure) {
      if (failure instanceof ApiError && (failure.status === 412 || failure.status === 409)) {
        await conflictWith(base.current?.id).catch((reading: unknown) => {
          setError(reading);
          setStatus('error');
        });
      } else if (!(failure instanceof ApiError)) {
        // Not answered at all: the draft waits on the device for the connection.
        setStatus('offline');
      } else {
        setError(failure);
        setStatus('error');
      }
    } finally {
      inFlight.current = false;
    }
  }, [date, conflictWith, userId]);

  /** The writer changed something: saved a moment later, unless both versions wait for a choice. */
  const change = useCallback(
    (patch: Partial<EntryDraft>) => {
      latest.current = { ...latest.current, ...patch };
      setDraft(latest.current);
      void drafts.keep(userId, date, { draft: latest.current, base: base.current });
      setStatus((previous) => (previous === 'conflict' ? previous : 'dirty'));
    },
    [userId, date],
  );

  // A draft this device kept (a reload, a tab closed before it was sent) is taken up again.
  useEffect(() => {
    let current = true;
    void drafts.read(userId, date).then((stored) => {
      if (!current || stored === undefined) return;
      if (loaded !== null && JSON.stringify(stored.draft) === JSON.stringify(draftOf(loaded))) {
        void drafts.forget(userId, date);
        return;
      }
      if (stored.base !== null) base.current = stored.base;
      latest.current = stored.draft;
      setDraft(stored.draft);
      setStatus('dirty');
    });
    return () => {
      current = false;
    };
    // Once, when the day opens: `loaded` is what it opened with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [userId, date]);

  // Back online: what waited is sent.
  useEffect(() => {
    const resend = () => {
      if (status === 'offline' || status === 'dirty') void save();
    };
    window.addEventListener('online', resend);
    return () => window.removeEventListener('online', resend);
  }, [status, save]);

  useEffect(() => {
    if (status !== 'dirty') return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void save(), autosaveDelayMs);
    return () => clearTimeout(timer.current);
  }, [draft, status, save]);

  /** Keep the newer version: the draft becomes it. */
  const keepTheirs = useCallback(() => {
    if (theirs === null) return;
    base.current = { id: theirs.id, version: theirs.version };
    latest.current = draftOf(theirs);
    setDraft(latest.current);
    setTheirs(null);
    setStatus('saved');
  }, [theirs]);

  /** Keep mine: saved over the newer version, knowingly (its version in If-Match). */
  const keepMine = useCallback(() => {
    if (theirs === null) return;
    base.current = { id: theirs.id, version: theirs.version };
    setTheirs(null);
    void save();
  }, [theirs, save]);

  const saveNow = useCallback(() => {
    if (status === 'conflict') return;
    clearTimeout(timer.current);
    void save();
  }, [status, save]);

  return { draft, change, status, error, theirs, keepTheirs, keepMine, saveNow, entryId };
}
