export { loadConfig, type AiWorkerConfig } from './config.js';
export { startAiWorker, type AiWorker, type AiWorkerOptions } from './service.js';
export { mountAiWorker } from './mount.js';
export { analyzeText, type EntryAnalysis } from './analysis/analyze.js';
export { writeDueInsights, type InsightRun } from './insights/scheduler.js';
export { insightWriter, createLocalWriter, type InsightWriter, type InsightBrief } from './providers/index.js';
export type { WorkerDb, WorkerTables } from './database.js';
export { gatherBrief, type InsightPeriod } from './insights/brief.js';
export { runNextExport } from './exports/runner.js';
