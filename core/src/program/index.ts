export { runMain } from './main.js';
export { version } from './version.js';
