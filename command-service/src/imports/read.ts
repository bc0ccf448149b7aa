import type { Readable } from 'node:stream';
import { localDate } from '@mindflow/core/domain';
import yauzl from 'yauzl';

/** One entry found in an archive, as the platform would create it, with its files. */
export interface ImportItem {
  readonly source: string;
  readonly entry: {
    readonly date: string;
    readonly title: string;
    readonly content: string;
    readonly mood?: string | null;
    readonly tags?: readonly string[];
    readonly location?: string | null;
    readonly weather?: string | null;
    readonly isPrivate?: boolean;
  };
  readonly files: readonly { readonly name: string; readonly path: string }[];
}

export interface ImportArchive {
  readonly format: 'mindflow-export' | 'day-one';
  readonly items: readonly ImportItem[];
  /** Entries that cannot be read at all, with why. */
  readonly unreadable: readonly { readonly source: string; readonly reason: string }[];
  /** A file's bytes, by its path in the archive. */
  file(path: string): Promise<Readable | undefined>;
  close(): void;
}

/**
 * Opens a MindFlow export (manifest.json with format mindflow-export) or a Day One JSON export
 * (a journal's JSON with `entries`, photos under photos/{md5}.{type}) from a ZIP on disk.
 */
export async function readArchive(zipPath: string): Promise<ImportArchive> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false }, (error, opened) => {
      if (error !== null) reject(error);
      else resolve(opened);
    });
  });
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => {
      resolve();
    });
    zip.on('error', reject);
    zip.readEntry();
  });
  const file = (path: string) =>
    new Promise<Readable | undefined>((resolve, reject) => {
      const entry = entries.get(path);
      if (entry === undefined) {
        resolve(undefined);
        return;
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error !== null) reject(error);
        else resolve(stream);
      });
    });
  const text = async (path: string) => {
    const stream = await file(path);
    if (stream === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const close = () => {
    zip.close();
  };

  const manifest = await text('manifest.json');
  if (manifest !== undefined && (JSON.parse(manifest) as { format?: unknown }).format === 'mindflow-export') {
    const parsed = JSON.parse((await text('entries.json')) ?? '[]') as unknown;
    const list = Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : [];
    const items: ImportItem[] = [];
    const unreadable: { source: string; reason: string }[] = [];
    for (const [index, raw] of list.entries()) {
      const source = `entries.json#${String(index)}`;
      if (typeof raw.date !== 'string' || typeof raw.title !== 'string' || typeof raw.content !== 'string') {
        unreadable.push({ source, reason: 'no date, title or content' });
        continue;
      }
      const attachments = Array.isArray(raw.attachments)
        ? (raw.attachments as { fileName?: unknown; path?: unknown }[])
        : [];
      items.push({
        source,
        entry: {
          date: raw.date,
          title: raw.title,
          content: raw.content,
          mood: typeof raw.mood === 'string' ? raw.mood : null,
          tags: Array.isArray(raw.tags) ? raw.tags.filter((tag): tag is string => typeof tag === 'string') : [],
          location: typeof raw.location === 'string' ? raw.location : null,
          weather: typeof raw.weather === 'string' ? raw.weather : null,
          isPrivate: raw.isPrivate === true,
        },
        files: attachments.flatMap((attachment) =>
          typeof attachment.path === 'string' && typeof attachment.fileName === 'string'
            ? [{ name: attachment.fileName, path: attachment.path }]
            : [],
        ),
      });
    }
    return { format: 'mindflow-export', items, unreadable, file, close };
  }

  // Day One: the first top-level .json with an `entries` array.
  for (const path of entries.keys()) {
    if (path.includes('/') || !path.endsWith('.json')) continue;
    const parsed = JSON.parse((await text(path)) ?? '{}') as { entries?: unknown };
    if (!Array.isArray(parsed.entries)) continue;
    const items: ImportItem[] = [];
    const unreadable: { source: string; reason: string }[] = [];
    for (const raw of parsed.entries as Record<string, unknown>[]) {
      const source = `${path}#${typeof raw.uuid === 'string' ? raw.uuid : '?'}`;
      const created = typeof raw.creationDate === 'string' ? new Date(raw.creationDate) : undefined;
      if (created === undefined || Number.isNaN(created.getTime()) || typeof raw.text !== 'string') {
        unreadable.push({ source, reason: 'no creationDate or text' });
        continue;
      }
      const zone = typeof raw.timeZone === 'string' ? raw.timeZone : 'UTC';
      let date: string;
      try {
        date = localDate(created, zone);
      } catch {
        unreadable.push({ source, reason: `unknown time zone ${zone}` });
        continue;
      }
      const [firstLine = '', ...rest] = raw.text.replace(/\\/g, '').split('\n');
      const title =
        firstLine
          .replace(/^#+\s*/, '')
          .trim()
          .slice(0, 200) || 'Untitled';
      const photos = Array.isArray(raw.photos) ? (raw.photos as { md5?: unknown; type?: unknown }[]) : [];
      items.push({
        source,
        entry: {
          date,
          title,
          content: rest.join('\n').trim(),
          tags: Array.isArray(raw.tags) ? raw.tags.filter((tag): tag is string => typeof tag === 'string') : [],
          isPrivate: false,
        },
        files: photos.flatMap((photo) =>
          typeof photo.md5 === 'string' && typeof photo.type === 'string'
            ? [{ name: `${photo.md5}.${photo.type}`, path: `photos/${photo.md5}.${photo.type}` }]
            : [],
        ),
      });
    }
    return { format: 'day-one', items, unreadable, file, close };
  }
  close();
  throw new Error('neither a MindFlow export nor a Day One export');
}
