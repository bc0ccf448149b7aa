export * from './tables.js';
export * from './partitions.js';
export * from './storage.js';
