import { runMain, serve } from '@mindflow/core/runtime';
import { loadConfig } from './config.js';

// Runs the query-service alone, against the configured engines.
runMain(() => serve({ name: 'query-service', title: 'MindFlow query service', ...loadConfig() }));
