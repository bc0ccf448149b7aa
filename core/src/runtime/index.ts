export { connectEngines, type Engines, type EngineSelection } from './engines.js';
export { describeEngines, type EngineDescription } from './describe.js';
export { runMain } from './main.js';
export { finishMasterKeyRotation, loadOrCreateSecrets, nextMasterKey } from './secrets.js';
export { serve, type ServeOptions } from './serve.js';
export { onShutdown } from './shutdown.js';
export { version } from './version.js';
export { startInBackground, type Background } from './background.js';
