export type { ReadViews } from './tables.js';
