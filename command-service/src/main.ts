import { runMain, serve } from '@mindflow/core/runtime';
import { loadConfig } from './config.js';

// Runs the command-service alone, against the configured engines.
runMain(() => serve({ name: 'command-service', title: 'MindFlow command service', ...loadConfig() }));
