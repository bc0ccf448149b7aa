import type { Kysely } from 'kysely';
import { checkReadiness, type CheckResult } from '@mindflow/core/health';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines, describeEngines, type Engines } from '@mindflow/core/runtime';
import { version } from '@mindflow/core/program';
import { readerHoldBack, type ReaderHoldBack } from '@mindflow/core/eventstore';
import { migrationStatus, schemaNames } from '@mindflow/migrations';
import { describeAuditStore, openAuditStore, type AuditCapabilities } from '@mindflow/core/audit';
import { analyticsStrategy, partitionMonths, timeSeries, type TimeSeries } from '@mindflow/core/analytics';
import type { PlatformConfig } from '../config.js';
import { writeDatabase } from '@mindflow/core/write-model';

interface MigrationSummary {
  readonly database: string;
  readonly applied: number;
  readonly pending: readonly string[];
}

/**
 * Prints which adapter serves each port, whether each engine answers, and each database's
 * migrations. Exit status 1 when an engine does not answer or a migration is pending.
 */
export async function status(config: PlatformConfig, options: { json: boolean }): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines(config.engines, logger);
  try {
    const readiness = await checkReadiness(engines.checks, 5_000);
    const migrations: MigrationSummary[] = [];
    for (const schema of schemaNames) {
      const states = await migrationStatus(engines.databases[schema].db, schema);
      migrations.push({
        database: schema,
        applied: states.filter((state) => state.executedAt !== undefined).length,
        pending: states.filter((state) => state.executedAt === undefined).map((state) => state.name),
      });
    }
    const eventStore = migrations.every((m) => m.pending.length === 0)
      ? await readerHoldBack(writeDatabase(engines.databases.write.db))
      : undefined;
    const analytics = migrations.every((m) => m.pending.length === 0)
      ? await analyticsStorage(engines.databases.analytics.db)
      : undefined;
    const audit = migrations.every((m) => m.pending.length === 0) ? await auditStatus(engines, config) : undefined;
    const report = {
      version,
      adapters: describeEngines(config.engines),
      analytics,
      audit,
      checks: readiness.checks,
      migrations,
      eventStore,
    };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    return readiness.ok && migrations.every((m) => m.pending.length === 0) ? 0 : 1;
  } finally {
    await engines.close();
  }
}

function render(report: {
  version: string;
  adapters: readonly { port: string; adapter: string; location: string }[];
  checks: readonly CheckResult[];
  migrations: readonly MigrationSummary[];
  eventStore: ReaderHoldBack | undefined;
  analytics: AnalyticsStorage | undefined;
  audit: AuditStatus | undefined;
}): string {
  const table = (rows: string[][]) => {
    const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
    return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n');
  };
  return [
    `MindFlow ${report.version}`,
    '',
    'Adapters',
    table(report.adapters.map((a) => [a.port, a.adapter, a.location])),
    '',
    'Engines',
    table(report.checks.map((c) => [c.name, c.ok ? 'up' : 'DOWN', `${c.latencyMs} ms`, c.error ?? ''])),
    '',
    'Migrations',
    table(
      report.migrations.map((m) => [
        m.database,
        `${m.applied} applied`,
        m.pending.length === 0 ? 'up to date' : `PENDING: ${m.pending.join(', ')}`,
      ]),
    ),
    '',
    'Analytics storage',
    analyticsLines(report.analytics, table),
    '',
    'Audit store',
    report.audit === undefined
      ? '  (not migrated)'
      : 'error' in report.audit
        ? `  unavailable: ${report.audit.error}`
        : `  ${report.audit.paths}\n  ${String(report.audit.holds)} legal hold(s) in force`,
    '',
    'Event store',
    report.eventStore === undefined
      ? '  (not migrated)'
      : `  ${report.eventStore.events} committed event(s) held back from readers; oldest open transaction ${report.eventStore.oldestTransactionSeconds.toFixed(1)} s`,
    '',
  ].join('\n');
}

type AuditStatus =
  (AuditCapabilities & { readonly paths: string; readonly holds: number }) | { readonly error: string };

/** Which audit adapter and paths are active (detected when the store opens), and the holds in force. */
async function auditStatus(engines: Engines, config: PlatformConfig): Promise<AuditStatus> {
  try {
    const store = await openAuditStore(
      { mongo: engines.mongo, readDb: engines.databases.read.db },
      config.engines.audit.retention,
    );
    return { ...store.capabilities, paths: describeAuditStore(store), holds: (await store.holds()).length };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

interface AnalyticsStorage {
  readonly strategy: 'timescaledb' | 'partitions';
  readonly partitions: readonly { table: string; months: readonly string[] }[];
}

/** The analytics storage strategy chosen at migration time and, on partitions, the months present. */
async function analyticsStorage<DB>(db: Kysely<DB>): Promise<AnalyticsStorage> {
  const strategy = await analyticsStrategy(db);
  const partitions =
    strategy === 'partitions'
      ? await Promise.all(
          (Object.keys(timeSeries) as TimeSeries[]).map(async (table) => ({
            table,
            months: await partitionMonths(db, table),
          })),
        )
      : [];
  return { strategy, partitions };
}

function analyticsLines(analytics: AnalyticsStorage | undefined, table: (rows: string[][]) => string): string {
  if (analytics === undefined) return '  (not migrated)';
  if (analytics.strategy === 'timescaledb')
    return '  TimescaleDB hypertables, continuous aggregates and retention policies';
  const months = analytics.partitions.map((p) => [
    p.table,
    `${p.months.length} monthly partition(s)`,
    p.months.length === 0 ? '' : `${p.months[0] ?? ''} .. ${p.months.at(-1) ?? ''}`,
  ]);
  return `  native range partitions, aggregates kept by the projection\n${table(months)}`;
}
