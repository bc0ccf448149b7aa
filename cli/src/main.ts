#!/usr/bin/env node
import { Command, Option } from '@commander-js/extra-typings';
import { runMain, version } from '@mindflow/core/runtime';
import { schemaNames } from '@mindflow/migrations';
import { migrate } from './commands/migrate.js';
import { status } from './commands/status.js';
import { loadConfig } from './config.js';
import { startPlatform } from './platform.js';

const program = new Command()
  .name('mindflow')
  .description(
    'MindFlow: a CQRS, event-sourced journaling platform. Configuration comes from the environment (see .env.example).',
  )
  .version(version)
  .showHelpAfterError();

program
  .command('start')
  .description('run the whole platform in one process on PORT (default 3000); engines not configured run embedded')
  .action(async () => {
    await startPlatform(loadConfig());
  });

program
  .command('status')
  .description('show each adapter in use, whether each engine answers, and pending migrations (exit 1 if not all well)')
  .option('--json', 'print JSON instead of a table', false)
  .action(async (options) => {
    process.exitCode = await status(loadConfig(), options);
  });

program
  .command('migrate')
  .description('apply pending migrations to the write, read and analytics databases')
  .addOption(
    new Option('-d, --database <name...>', 'only these databases').choices(schemaNames).default([...schemaNames]),
  )
  .action(async (options) => {
    process.exitCode = await migrate(loadConfig(), options.database);
  });

runMain(() => program.parseAsync());
