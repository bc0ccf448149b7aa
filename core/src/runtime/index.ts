export { connectEngines, type Engines, type EngineSelection } from './engines.js';
export { describeEngines, type EngineDescription } from './describe.js';
export { serve, type ServeOptions } from './serve.js';
export { onShutdown } from './shutdown.js';
export { startInBackground, type Background } from './background.js';
