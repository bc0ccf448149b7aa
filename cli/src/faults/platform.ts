import { createLogger } from '@mindflow/core/logging';
import { registerWriters, sendSentinels, startLoad, tally, type Load, type TrackedEntry, type Writer } from './load.js';
import type { FaultFigures } from './report.js';
import { faultStack, type FaultStack, type ServiceProcess } from './stack.js';
import { compareStores, deadLetters, lostInWriteModel, sentinelProbes, timeToCatchUp } from './stores.js';

/** The full stack as separate processes on Kafka: commands, reads, one relay and N projection processes. */
export interface FaultPlatform {
  readonly stack: FaultStack;
  readonly commands: ServiceProcess;
  readonly query: ServiceProcess;
  readonly relay: ServiceProcess;
  readonly projections: readonly ServiceProcess[];
  readonly commandsUrl: string;
  readonly queryUrl: string;
  readonly writers: readonly Writer[];
  /** The entries every load so far created, as their acknowledged commands left them. */
  readonly entries: TrackedEntry[];
  /** Starts write load on the platform (see startLoad), going on with the entries of earlier loads. */
  load(): Load;
  close(): Promise<void>;
}

const logger = createLogger({ level: 'silent', pretty: false }, 'test');

/** Starts the platform's processes on a stack of the test's own and registers `writers` writers. */
export async function startFaultPlatform(options: { projections: number; writers: number }): Promise<FaultPlatform> {
  const stack = await faultStack();
  try {
    // The command service first: the first process migrates nothing (the databases are migrated)
    // but stores the master key check that every later process compares its key with.
    const commands = await stack.start('command-service');
    await commands.healthy();
    const relay = await stack.start('relay');
    const projections: ServiceProcess[] = [];
    for (let i = 0; i < options.projections; i++)
      projections.push(await stack.start('projections', `projections-${i + 1}`));
    const query = await stack.start('query-service');
    await Promise.all([relay, query, ...projections].map((service) => service.healthy()));
    const commandsUrl = stack.url(commands);
    const writers = await registerWriters(commandsUrl, options.writers);
    const queryUrl = stack.url(query);
    const entries: TrackedEntry[] = [];
    return {
      stack,
      commands,
      query,
      relay,
      projections,
      commandsUrl,
      queryUrl,
      writers,
      entries,
      load: () => startLoad({ commandsUrl, queryUrl, writers, entries, pauseMs: 200 }),
      close: () => stack.close(),
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

/** Bounds of the wait for the stores after a fault. */
export const catchUpBoundMs = 120_000;

/**
 * After a fault: one last acknowledged command per writer, the time each store takes to show
 * them (counted from `since`, the end of the fault), then every store against the truth.
 */
export async function settle(
  platform: FaultPlatform,
  load: Load,
  scenario: string,
  since: number,
  extras: { during?: ReturnType<typeof tally>; extra?: Record<string, string | number>; crashesBefore?: number } = {},
): Promise<FaultFigures> {
  const sentinels = await sendSentinels(load, platform.commandsUrl);
  const recovery = await timeToCatchUp(
    sentinelProbes(platform.stack, platform.queryUrl, sentinels),
    since,
    catchUpBoundMs,
  );
  const stores = await compareStores(platform.stack, platform.queryUrl, load, logger);
  const crashes = platform.stack
    .processes()
    .flatMap((service) => service.crashes)
    .slice(extras.crashesBefore ?? 0);
  return {
    scenario,
    commands: tally(load.sent),
    ...(extras.during === undefined ? {} : { during: extras.during }),
    stores,
    recovery,
    lostInWriteModel: await lostInWriteModel(platform.stack, load),
    deadLetters: await deadLetters(platform.stack),
    crashes,
    logs: Object.fromEntries(platform.stack.processes().map((service) => [service.name, service.logFile])),
    ...(extras.extra === undefined ? {} : { extra: extras.extra }),
  };
}

/** How many crashes the platform's processes have had so far (to count a scenario's own). */
export function crashCount(platform: FaultPlatform): number {
  return platform.stack.processes().flatMap((service) => service.crashes).length;
}
