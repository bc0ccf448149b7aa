import { runMain, serve } from '@mindflow/core/runtime';
import { loadConfig } from './config.js';

// Runs the ai-worker alone, against the configured engines.
runMain(() => serve({ name: 'ai-worker', title: 'MindFlow ai-worker', ...loadConfig() }));
