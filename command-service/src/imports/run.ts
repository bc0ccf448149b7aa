import { blobKeys, BlobTooLarge, type BlobStore } from '@mindflow/core/blobs';
import { AppError } from '@mindflow/core/errors';
import type { Logger } from '@mindflow/core/logging';
import { newEventId } from '@mindflow/core/eventstore';
import { goalKinds, moods, type EntryInput } from '@mindflow/core/domain';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { recordAttachment } from '../attachments/service.js';
import { maxAttachmentBytes, sniffType } from '../attachments/sniff.js';
import type { WriteTables } from '@mindflow/core/write-model';
import { createEntry } from '../entries/service.js';
import { inUserTransaction, type Recorder, type RequestContext } from '../recorder.js';
import type { ArchivedHabits, ImportArchive } from './read.js';
import { runGoalCommand } from '../goals/service.js';
import { runPromptCommand } from '../prompts/service.js';
import { runTemplateCommand } from '../templates/service.js';

export interface ImportReport {
  readonly format: ImportArchive['format'];
  readonly dryRun: boolean;
  readonly created: { source: string; date: string; title: string; attachments: number }[];
  readonly skipped: { source: string; date: string; reason: string }[];
  readonly rejected: { source: string; reason: string }[];
  /** Goals, templates and own prompts of a MindFlow export: restored, or already there. */
  readonly habits: { created: number; skipped: number };
}

/** Thrown to roll a dry run's transaction back once the entry is known to be acceptable. */
class DryRun extends Error {}

/**
 * Why an entry or a file was not imported, in words for its owner: the rule it broke (an
 * AppError's message is written for clients), never an internal error's text, which is logged.
 */
function reasonFor(error: unknown, what: 'entry' | 'file', logger: Logger): string {
  if (error instanceof BlobTooLarge) return 'larger than 50 MB';
  if (error instanceof AppError && error.status < 500) return error.message;
  logger.error({ err: error }, `an imported ${what} could not be stored`);
  return `the ${what} could not be stored; importing again later may work`;
}

/**
 * Imports an archive's entries for the user, each in its own transaction through the same
 * command as POST /v1/entries (same rules, same events). Idempotent: an entry whose date the
 * user already has is skipped, so importing twice creates nothing new. A dry run decides every
 * entry the same way and rolls each back: the report says what would be created, skipped or
 * rejected, and why.
 */
export async function importArchive(
  deps: {
    readonly db: Kysely<WriteTables>;
    readonly recorder: Recorder;
    readonly blobs: BlobStore;
    readonly logger: Logger;
  },
  userId: string,
  archive: ImportArchive,
  options: {
    readonly dryRun: boolean;
    readonly context: RequestContext;
    /** Told after each entry: how many are done, of how many. */
    readonly onProgress?: (done: number, total: number) => void;
  },
): Promise<ImportReport> {
  const report: ImportReport = {
    format: archive.format,
    dryRun: options.dryRun,
    created: [],
    skipped: [],
    rejected: [...archive.unreadable],
    habits: { created: 0, skipped: 0 },
  };
  const taken = new Set(
    (
      await sql<{ date: string }>`select entry_date::text as date from journal_entries
                                   where user_id = ${userId} and deleted_at is null`.execute(deps.db)
    ).rows.map((row) => row.date),
  );
  let done = 0;
  for (const item of archive.items) {
    options.onProgress?.(done, archive.items.length);
    done += 1;
    const { date } = item.entry;
    if (taken.has(date)) {
      report.skipped.push({ source: item.source, date, reason: 'you already have an entry for this date' });
      continue;
    }
    const entryId = newEventId();
    try {
      await inUserTransaction(deps.db, userId, async (trx) => {
        await createEntry(deps, trx, userId, entryId, item.entry as EntryInput, options.context);
        if (options.dryRun) throw new DryRun();
      });
    } catch (error) {
      if (!(error instanceof DryRun)) {
        report.rejected.push({ source: item.source, reason: reasonFor(error, 'entry', deps.logger) });
        continue;
      }
    }
    taken.add(date);
    let attachments = 0;
    for (const file of item.files) {
      if (options.dryRun) {
        attachments += 1;
        continue;
      }
      const stream = await archive.file(file.path);
      if (stream === undefined) {
        report.rejected.push({ source: `${item.source} ${file.path}`, reason: 'the file is not in the archive' });
        continue;
      }
      const { type, body } = await sniffType(stream);
      if (type === undefined) {
        body.resume();
        report.rejected.push({ source: `${item.source} ${file.path}`, reason: 'not a jpeg, png, gif, webp or pdf' });
        continue;
      }
      const attachmentId = newEventId();
      const storageKey = blobKeys.attachment(userId, attachmentId);
      try {
        const { size } = await deps.blobs.put(storageKey, body, { contentType: type, maxBytes: maxAttachmentBytes });
        await inUserTransaction(deps.db, userId, (trx) =>
          recordAttachment(
            trx,
            deps.recorder,
            userId,
            { attachmentId, entryId, fileName: file.name, contentType: type, size, storageKey },
            options.context,
          ),
        );
        attachments += 1;
      } catch (error) {
        await deps.blobs.delete(storageKey).catch((cleanup: unknown) => {
          deps.logger.error({ err: cleanup, storageKey }, 'an unrecorded imported file could not be removed');
        });
        report.rejected.push({ source: `${item.source} ${file.path}`, reason: reasonFor(error, 'file', deps.logger) });
      }
    }
    report.created.push({ source: item.source, date, title: item.entry.title, attachments });
  }
  options.onProgress?.(done, archive.items.length);
  if (archive.habits !== undefined) await restoreHabits(deps, userId, archive.habits, options, report);
  return report;
}

/**
 * Restores an export's goals, templates and own prompts, each through its command (same rules,
 * same events). One the writer has already (a goal of the same kind and target, a template of
 * the same name, a prompt of the same text) is skipped, so importing twice adds nothing.
 */
async function restoreHabits(
  deps: { readonly db: Kysely<WriteTables>; readonly recorder: Recorder; readonly logger: Logger },
  userId: string,
  habits: ArchivedHabits,
  options: { readonly dryRun: boolean; readonly context: RequestContext },
  report: ImportReport,
): Promise<void> {
  const [goals, templates, prompts] = await Promise.all([
    deps.db
      .selectFrom('goals')
      .select(['kind', 'target'])
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .execute(),
    deps.db
      .selectFrom('templates')
      .select('name')
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .execute(),
    deps.db
      .selectFrom('prompts')
      .select('text')
      .where('user_id', '=', userId)
      .where('removed_at', 'is', null)
      .execute(),
  ]);
  const have = new Set([
    ...goals.map((goal) => `goal ${goal.kind} ${String(goal.target)}`),
    ...templates.map((template) => `template ${template.name}`),
    ...prompts.map((prompt) => `prompt ${prompt.text}`),
  ]);
  const restore = async (
    key: string,
    source: string,
    command: (trx: Kysely<WriteTables>) => Promise<unknown>,
  ): Promise<void> => {
    if (have.has(key)) {
      report.habits.skipped += 1;
      return;
    }
    try {
      await inUserTransaction(deps.db, userId, async (trx) => {
        await command(trx);
        if (options.dryRun) throw new DryRun();
      });
    } catch (error) {
      if (!(error instanceof DryRun)) {
        report.rejected.push({ source, reason: reasonFor(error, 'entry', deps.logger) });
        return;
      }
    }
    have.add(key);
    report.habits.created += 1;
  };
  for (const [index, goal] of habits.goals.entries()) {
    const kind = goalKinds.find((known) => known === goal.kind);
    if (kind === undefined) {
      report.rejected.push({ source: `habits.json#goals/${String(index)}`, reason: `unknown goal kind ${goal.kind}` });
      continue;
    }
    await restore(`goal ${kind} ${String(goal.target)}`, `habits.json#goals/${String(index)}`, (trx) =>
      runGoalCommand(
        deps.recorder,
        trx,
        userId,
        { type: 'SetGoal', goalId: newEventId(), kind, target: goal.target },
        undefined,
        options.context,
      ),
    );
  }
  for (const [index, template] of habits.templates.entries()) {
    const mood = moods.find((known) => known === template.mood) ?? null;
    await restore(`template ${template.name}`, `habits.json#templates/${String(index)}`, (trx) =>
      runTemplateCommand(
        deps.recorder,
        trx,
        userId,
        { type: 'CreateTemplate', templateId: newEventId(), template: { ...template, mood } },
        undefined,
        options.context,
      ),
    );
  }
  for (const [index, prompt] of habits.prompts.entries()) {
    await restore(`prompt ${prompt.text}`, `habits.json#prompts/${String(index)}`, (trx) =>
      runPromptCommand(
        deps.recorder,
        trx,
        userId,
        { type: 'AddPrompt', promptId: newEventId(), ...prompt },
        options.context,
      ),
    );
  }
}
