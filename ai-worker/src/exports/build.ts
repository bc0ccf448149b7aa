import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { AuditStore } from '@mindflow/core/audit';
import { blobKeys, type BlobStore } from '@mindflow/core/blobs';
import type { UserKeyring } from '@mindflow/core/crypto';
import { createEventCodec, mindflowEvents } from '@mindflow/core/events';
import archiver from 'archiver';
import { sql } from 'kysely';
import type { WorkerDb } from '../database.js';
import { ExportedEntries, entryMarkdown, exportFormat, type ExportedEntry, type Manifest } from './format.js';

export interface ExportDeps {
  readonly db: WorkerDb;
  readonly keyring: UserKeyring;
  readonly blobs: BlobStore;
  readonly audit: AuditStore;
}

const pageSize = 500;
const codec = createEventCodec(mindflowEvents);

/**
 * Builds the user's export as a ZIP streamed into the blob store (never whole in memory):
 * entries.json (schema/entries.v1.json) and one Markdown file per entry, the attachments,
 * profile.json (profile, settings, consent history, streaks), insights.json, habits.json (goals,
 * templates, own prompts, achievements), audit.json (the
 * user's own audit trail) and manifest.json, last, with the size and SHA-256 of every other file.
 * `progress(done, total)` is told as entries and attachments go in.
 */
export async function buildExport(
  deps: ExportDeps,
  job: { readonly exportId: string; readonly userId: string },
  progress: (done: number, total: number) => Promise<void>,
): Promise<{ key: string; manifest: Manifest }> {
  const { db, userId } = { db: deps.db, userId: job.userId };
  const key = blobKeys.export(userId, job.exportId);
  const archive = archiver('zip', { zlib: { level: 6 } });
  const stored = deps.blobs.put(key, archive.pipe(new PassThrough()), { contentType: 'application/zip' });
  const files: Manifest['files'] = [];

  const hashing = (path: string) => {
    const hash = createHash('sha256');
    let size = 0;
    const transform = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    transform.on('end', () => files.push({ path, size, sha256: hash.digest('hex') }));
    return transform;
  };
  const addStream = async (path: string, source: Readable) => {
    const hashed = source.pipe(hashing(path));
    archive.append(hashed, { name: path });
    await finished(hashed);
  };
  const addText = (path: string, text: string) => addStream(path, Readable.from([Buffer.from(text)]));

  const counted = await sql<{ entries: string; attachments: string }>`
    select (select count(*) from journal_entries where user_id = ${userId} and deleted_at is null) as entries,
           (select count(*) from attachments where user_id = ${userId} and deleted_at is null) as attachments
  `.execute(db);
  const total = Number(counted.rows[0]?.entries ?? 0) + Number(counted.rows[0]?.attachments ?? 0);
  let done = 0;
  const advance = async (by: number) => {
    done += by;
    await progress(done, total);
  };

  await addText('schema/entries.v1.json', `${JSON.stringify(ExportedEntries, null, 2)}\n`);
  await addText('profile.json', `${JSON.stringify(await profileOf(db, userId), null, 2)}\n`);

  // entries.json streams page by page; each page's Markdown files and attachments follow it.
  const json = new PassThrough();
  const jsonAdded = addStream('entries.json', json);
  json.write('[\n');
  let first = true;
  const pending: ExportedEntry[] = [];
  for await (const page of entryPages(db, userId)) {
    for (const entry of page) {
      json.write(`${first ? '' : ',\n'}${JSON.stringify(entry)}`);
      first = false;
      pending.push(entry);
    }
  }
  json.end('\n]\n');
  await jsonAdded;
  for (const entry of pending) {
    await addText(`entries/${entry.date}.md`, entryMarkdown(entry));
    for (const attachment of entry.attachments) {
      const body = await deps.blobs.get(blobKeys.attachment(userId, attachment.id));
      if (body !== undefined) await addStream(attachment.path, body);
      await advance(1);
    }
    await advance(1);
  }

  await addText('insights.json', `${JSON.stringify(await insightsOf(deps, userId), null, 2)}\n`);
  await addText('habits.json', `${JSON.stringify(await habitsOf(db, userId), null, 2)}\n`);
  const audit: unknown[] = [];
  for await (const record of deps.audit.stream({ userId })) audit.push(record);
  await addText('audit.json', `${JSON.stringify(audit, null, 2)}\n`);

  const manifest: Manifest = {
    format: exportFormat.name,
    version: exportFormat.version,
    exportId: job.exportId,
    userId,
    exportedAt: new Date().toISOString(),
    files: [...files],
  };
  archive.append(`${JSON.stringify(manifest, null, 2)}\n`, { name: 'manifest.json' });
  await archive.finalize();
  await stored;
  return { key, manifest };
}

async function* entryPages(db: WorkerDb, userId: string): AsyncGenerator<ExportedEntry[]> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('journal_entries as entry')
      .select([
        'entry.id',
        sql<string>`entry.entry_date::text`.as('date'),
        'entry.title',
        'entry.content',
        'entry.mood',
        'entry.location',
        'entry.weather',
        'entry.is_private',
        'entry.word_count',
        'entry.reading_time',
        'entry.created_at',
        'entry.updated_at',
        sql<string[]>`coalesce((select array_agg(tags.name order by tags.name) from journal_entry_tags
                                  join tags on tags.id = journal_entry_tags.tag_id
                                 where journal_entry_tags.entry_id = entry.id), '{}')`.as('tags'),
        sql<{ id: string; file_name: string; content_type: string; size_bytes: string }[]>`
          coalesce((select json_agg(json_build_object('id', a.id, 'file_name', a.file_name,
                                    'content_type', a.content_type, 'size_bytes', a.size_bytes) order by a.created_at)
                      from attachments a where a.entry_id = entry.id and a.deleted_at is null), '[]')`.as(
          'attachments',
        ),
      ])
      .where('entry.user_id', '=', userId)
      .where('entry.deleted_at', 'is', null)
      .where(sql<boolean>`entry.entry_date::text > ${after}`)
      .orderBy('entry.entry_date')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((row) => ({
      id: row.id,
      date: row.date,
      title: row.title,
      content: row.content,
      mood: row.mood,
      tags: row.tags,
      location: row.location,
      weather: row.weather,
      isPrivate: row.is_private,
      wordCount: row.word_count,
      readingTime: row.reading_time,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      attachments: row.attachments.map((attachment) => ({
        id: attachment.id,
        fileName: attachment.file_name,
        contentType: attachment.content_type,
        size: Number(attachment.size_bytes),
        path: `attachments/${attachment.id}/${attachment.file_name}`,
      })),
    }));
    after = rows.at(-1)?.date ?? after;
  }
}

async function profileOf(db: WorkerDb, userId: string) {
  const [user, settings, consent, streaks] = await Promise.all([
    db
      .selectFrom('users')
      .select(['email', 'display_name', 'photo_url', 'timezone', 'language', 'theme', 'roles', 'created_at'])
      .where('id', '=', userId)
      .executeTakeFirst(),
    db.selectFrom('user_settings').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    db
      .selectFrom('user_gdpr_consent')
      .select([
        'terms_version',
        'privacy_policy_version',
        'data_processing',
        'marketing',
        'ip_address',
        'user_agent',
        'recorded_at',
      ])
      .where('user_id', '=', userId)
      .orderBy('recorded_at')
      .execute(),
    db.selectFrom('user_streaks').selectAll().where('user_id', '=', userId).executeTakeFirst(),
  ]);
  return { user, settings, consentHistory: consent, streaks };
}

/** The user's insights, opened from their InsightGenerated events. */
async function insightsOf(deps: ExportDeps, userId: string) {
  const key = await deps.keyring.existingKeyFor(deps.db, userId);
  const rows = await sql<{
    event_id: string;
    type: string;
    schema_version: number;
    stream_id: string;
    stream_version: number;
    global_position: string;
    transaction_id: string;
    occurred_at: Date;
    user_id: string;
    data: Record<string, unknown>;
    metadata: Record<string, unknown>;
  }>`select event_id, type, schema_version, stream_id, stream_version, global_position, transaction_id::text,
            occurred_at, user_id, data, metadata
       from events where user_id = ${userId} and type = 'InsightGenerated' order by global_position`.execute(deps.db);
  return rows.rows.map((row) => {
    const event = codec.decode(
      {
        eventId: row.event_id,
        type: row.type,
        schemaVersion: row.schema_version,
        streamId: row.stream_id,
        streamVersion: row.stream_version,
        globalPosition: Number(row.global_position),
        transactionId: row.transaction_id,
        occurredAt: row.occurred_at,
        userId: row.user_id,
        data: row.data,
        metadata: row.metadata,
      },
      key,
    );
    return { ...event.data, generatedAt: event.occurredAt.toISOString() };
  });
}

/** The writer's goals, templates, own prompts and achievements, as they stand. */
async function habitsOf(db: ExportDeps['db'], userId: string) {
  const [goals, templates, prompts, achievements] = await Promise.all([
    db
      .selectFrom('goals')
      .select(['id', 'kind', 'target', 'created_at'])
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('templates')
      .select(['id', 'name', 'title', 'content', 'tags', 'mood', 'created_at'])
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('prompts')
      .select(['id', 'text', 'theme', 'created_at'])
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('user_achievements')
      .select(['code', 'unlocked_at'])
      .where('user_id', '=', userId)
      .orderBy('unlocked_at')
      .execute(),
  ]);
  return {
    goals: goals.map(({ id, kind, target, created_at }) => ({ id, kind, target, createdAt: created_at })),
    templates: templates.map(({ created_at, ...template }) => ({ ...template, createdAt: created_at })),
    prompts: prompts.map(({ created_at, ...prompt }) => ({ ...prompt, createdAt: created_at })),
    achievements: achievements.map(({ code, unlocked_at }) => ({ code, unlockedAt: unlocked_at })),
  };
}
