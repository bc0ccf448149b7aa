import type { Readable } from 'node:stream';
import { byteLimit } from '@mindflow/core/blobs';
import { localDate } from '@mindflow/core/domain';
import { AppError } from '@mindflow/core/errors';
import yauzl from 'yauzl';

/** What an import archive may hold; past any of these it is refused before anything is stored. */
export interface ImportLimits {
  /** The files' unpacked sizes added up; also what the entries' references may add up to. */
  readonly maxUnpackedBytes: number;
  /** How many times smaller than its unpacked size a file larger than 1 MiB may be packed. */
  readonly maxRatio: number;
  /** How many files an archive may hold. */
  readonly maxFiles: number;
  /** The largest JSON file read (manifest.json, entries.json, a Day One journal), parsed whole. */
  readonly maxJsonBytes: number;
}

export const defaultImportLimits: ImportLimits = Object.freeze({
  maxUnpackedBytes: 1024 * 1024 * 1024,
  maxRatio: 100,
  maxFiles: 20_000,
  maxJsonBytes: 64 * 1024 * 1024,
});

/** Files smaller than this may be packed as tightly as they like. */
const ratioFloorBytes = 1024 * 1024;

const mib = (bytes: number) => `${String(Math.round(bytes / 1024 / 1024))} MiB`;
const overLimit = (why: string) => new AppError('ARCHIVE_LIMIT_EXCEEDED', `the archive is refused: ${why}`);
const unreadableArchive = (why: string) =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', `not an archive this can import: ${why}`);

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

/** What habits.json holds that an import restores (achievements are earned again by the entries). */
export interface ArchivedHabits {
  readonly goals: readonly { readonly kind: string; readonly target: number }[];
  readonly templates: readonly {
    readonly name: string;
    readonly title: string;
    readonly content: string;
    readonly tags: readonly string[];
    readonly mood: string | null;
  }[];
  readonly prompts: readonly { readonly text: string; readonly theme: string | null }[];
}

/** habits.json as far as it holds what it should: anything else in it is left out. */
function archivedHabits(parsed: unknown): ArchivedHabits {
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const list = (name: string) =>
    Array.isArray(record[name])
      ? ((record[name] as unknown[]).filter((item) => typeof item === 'object' && item !== null) as Record<
          string,
          unknown
        >[])
      : [];
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    goals: list('goals').flatMap((goal) =>
      typeof goal.kind === 'string' && typeof goal.target === 'number'
        ? [{ kind: goal.kind, target: goal.target }]
        : [],
    ),
    templates: list('templates').flatMap((template) => {
      const [name, title, content] = [text(template.name), text(template.title), text(template.content)];
      if (name === undefined || title === undefined || content === undefined) return [];
      const tags = Array.isArray(template.tags)
        ? template.tags.filter((tag): tag is string => typeof tag === 'string')
        : [];
      return [{ name, title, content, tags, mood: text(template.mood) ?? null }];
    }),
    prompts: list('prompts').flatMap((prompt) => {
      const value = text(prompt.text);
      return value === undefined ? [] : [{ text: value, theme: text(prompt.theme) ?? null }];
    }),
  };
}

export interface ImportArchive {
  readonly format: 'mindflow-export' | 'day-one';
  readonly items: readonly ImportItem[];
  /** Entries that cannot be read at all, with why. */
  readonly unreadable: readonly { readonly source: string; readonly reason: string }[];
  /** A MindFlow export's goals, templates and own prompts (habits.json), as they were written. */
  readonly habits?: ArchivedHabits;
  /** A file's bytes, by its path in the archive. */
  file(path: string): Promise<Readable | undefined>;
  close(): void;
}

/**
 * Opens a MindFlow export (manifest.json with format mindflow-export) or a Day One JSON export
 * (a journal's JSON with `entries`, photos under photos/{md5}.{type}) from a ZIP on disk.
 * The ZIP's directory is checked against `limits` first (a zip bomb is refused with
 * ARCHIVE_LIMIT_EXCEEDED before a byte is unpacked); files are streamed, JSON files alone are
 * read whole, within their cap. Each entry lists a file once, however often it refers to it.
 * A file that is not a readable archive is refused with UNSUPPORTED_MEDIA_TYPE, in words.
 */
export async function readArchive(zipPath: string, limits: ImportLimits = defaultImportLimits): Promise<ImportArchive> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false }, (error, opened) => {
      if (error !== null) reject(unreadableArchive('the file is not a ZIP archive'));
      else resolve(opened);
    });
  });
  try {
    return await readOpened(zip, limits);
  } catch (error) {
    zip.close();
    throw error instanceof AppError ? error : unreadableArchive('the ZIP archive is damaged');
  }
}

async function readOpened(zip: yauzl.ZipFile, limits: ImportLimits): Promise<ImportArchive> {
  if (zip.entryCount > limits.maxFiles) {
    throw overLimit(`it holds ${String(zip.entryCount)} files, more than ${String(limits.maxFiles)}`);
  }
  const entries = new Map<string, yauzl.Entry>();
  let unpacked = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      unpacked += entry.uncompressedSize;
      if (unpacked > limits.maxUnpackedBytes) {
        reject(overLimit(`its files unpack to more than ${mib(limits.maxUnpackedBytes)}`));
        return;
      }
      if (
        entry.uncompressedSize > ratioFloorBytes &&
        entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize)
      ) {
        reject(overLimit(`${entry.fileName} unpacks to more than ${String(limits.maxRatio)} times its packed size`));
        return;
      }
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
      // yauzl checks the bytes against the directory's sizes: a file cannot unpack to more.
      zip.openReadStream(entry, (error, stream) => {
        if (error !== null) reject(error);
        else resolve(stream);
      });
    });
  /** A JSON file's text, at most maxJsonBytes (its size is read from the directory first). */
  const text = async (path: string) => {
    const size = entries.get(path)?.uncompressedSize ?? 0;
    if (size > limits.maxJsonBytes) throw overLimit(`${path} is larger than ${mib(limits.maxJsonBytes)}`);
    const stream = await file(path);
    if (stream === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of stream.pipe(byteLimit(limits.maxJsonBytes))) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const json = async (path: string): Promise<unknown> => {
    const read = await text(path);
    if (read === undefined) return undefined;
    try {
      return JSON.parse(read) as unknown;
    } catch {
      throw unreadableArchive(`${path} is not valid JSON`);
    }
  };
  /** Every item's files, each path once, whose unpacked sizes must fit maxUnpackedBytes in all. */
  const checked = (items: ImportItem[]): ImportItem[] => {
    let referenced = 0;
    return items.map((item) => {
      const files = [...new Map(item.files.map((found) => [found.path, found])).values()];
      for (const found of files) referenced += entries.get(found.path)?.uncompressedSize ?? 0;
      if (referenced > limits.maxUnpackedBytes) {
        throw overLimit(`the files its entries refer to add up to more than ${mib(limits.maxUnpackedBytes)}`);
      }
      return { ...item, files };
    });
  };
  const close = () => {
    zip.close();
  };

  const manifest = await json('manifest.json');
  if (
    typeof manifest === 'object' &&
    manifest !== null &&
    'format' in manifest &&
    manifest.format === 'mindflow-export'
  ) {
    const parsed = (await json('entries.json')) ?? [];
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
    const habits = archivedHabits(await json('habits.json'));
    return { format: 'mindflow-export', items: checked(items), unreadable, habits, file, close };
  }

  // Day One: the first top-level .json with an `entries` array.
  for (const path of entries.keys()) {
    if (path.includes('/') || !path.endsWith('.json')) continue;
    const parsed = await json(path);
    if (typeof parsed !== 'object' || parsed === null || !('entries' in parsed) || !Array.isArray(parsed.entries)) {
      continue;
    }
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
    return { format: 'day-one', items: checked(items), unreadable, file, close };
  }
  throw unreadableArchive('neither a MindFlow export nor a Day One export');
}
