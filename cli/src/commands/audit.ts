import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  chainOf,
  exportLines,
  openAuditStore,
  verifyChains,
  type AuditFilter,
  type AuditStore,
  type ExportFormat,
} from '@mindflow/core/audit';
import { createLogger } from '@mindflow/core/logging';
import { connectEngines } from '@mindflow/core/runtime';
import { Presets, SingleBar } from 'cli-progress';
import { userInfo } from 'node:os';
import type { PlatformConfig } from '../config.js';
import { requireMigrated } from '../require-migrated.js';

export type AuditAction =
  | { kind: 'verify'; from?: string; to?: string }
  | { kind: 'export'; from?: string; to?: string; format: ExportFormat; out: string }
  | { kind: 'hold'; userId: string; reason: string }
  | { kind: 'release'; userId: string }
  | { kind: 'holds' };

const day = (value: string, name: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new Error(`--${name} must be a date (YYYY-MM-DD), not ${value}`);
  }
  return value;
};

/** --from and --to as days (UTC, inclusive): the records of those days. */
function filterOf(from: string | undefined, to: string | undefined): AuditFilter {
  return {
    ...(from === undefined ? {} : { from: new Date(day(from, 'from')) }),
    ...(to === undefined ? {} : { to: new Date(Date.parse(day(to, 'to')) + 86_400_000) }),
  };
}

/** Streams the records to a file, with a progress bar on stderr. */
async function exportTo(store: AuditStore, action: Extract<AuditAction, { kind: 'export' }>): Promise<number> {
  const filter = filterOf(action.from, action.to);
  const total = await store.count(filter);
  const bar = new SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} records | {rate}/s | ETA {eta_formatted}', etaBuffer: 50 },
    Presets.shades_classic,
  );
  bar.start(total, 0, { rate: 0 });
  const started = performance.now();
  let done = 0;
  async function* counted() {
    for await (const record of store.stream(filter)) {
      done += 1;
      if (done % 500 === 0 || done === total) {
        bar.update(done, { rate: Math.round(done / ((performance.now() - started) / 1000)) });
      }
      yield record;
    }
  }
  await pipeline(Readable.from(exportLines(counted(), action.format)), createWriteStream(action.out));
  bar.update(done);
  bar.stop();
  process.stdout.write(
    `${String(done)} records written to ${action.out} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  return 0;
}

/** `audit verify|export|hold|release|holds`: the compliance tools, on the configured audit store. */
export async function audit(config: PlatformConfig, action: AuditAction): Promise<number> {
  const logger = createLogger({ ...config.logging, level: 'warn' }, 'mindflow');
  const engines = await connectEngines({ database: config.engines.database, mongo: config.engines.mongo }, logger);
  try {
    if (!(await requireMigrated(engines.databases))) return 1;
    const store = await openAuditStore(
      { mongo: engines.mongo, readDb: engines.databases.read.db },
      config.engines.audit.retention,
    );
    switch (action.kind) {
      case 'verify': {
        const to = action.to === undefined ? chainOf(new Date()) : day(action.to, 'to');
        const from = action.from === undefined ? to : day(action.from, 'from');
        const report = await verifyChains(store.chainRecords(from, to), await store.chainHeads(from, to));
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return report.ok ? 0 : 1;
      }
      case 'export':
        return await exportTo(store, action);
      case 'hold': {
        const placedBy = `cli:${userInfo().username}`;
        const result = await store.placeHold({
          userId: action.userId,
          reason: action.reason,
          placedBy,
          placedAt: new Date(),
        });
        process.stdout.write(`hold placed on ${action.userId}: ${String(result.records)} records will not expire\n`);
        return 0;
      }
      case 'release': {
        const result = await store.liftHold(action.userId);
        process.stdout.write(`hold lifted from ${action.userId}: ${String(result.records)} records expire again\n`);
        return 0;
      }
      case 'holds':
        for (const hold of await store.holds()) {
          process.stdout.write(`${hold.userId}\t${hold.placedAt.toISOString()}\t${hold.placedBy}\t${hold.reason}\n`);
        }
        return 0;
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await engines.close();
  }
}
