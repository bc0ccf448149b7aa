export * from './tables.js';
export { appendDerived } from './derived.js';
