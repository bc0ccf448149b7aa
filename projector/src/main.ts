import { runMain, serve } from '@mindflow/core/runtime';
import { loadConfig } from './config.js';

// Runs the projector alone, against the configured engines.
runMain(() => serve({ name: 'projector', title: 'MindFlow projector', ...loadConfig() }));
