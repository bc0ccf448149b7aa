import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The platform serves dist/ at /: hashed files under /assets are cached for a year.
export default defineConfig({
  plugins: [react()],
  // tap's reporter keeps React 18 at the repository's root: every import of React is web's own (19).
  resolve: { dedupe: ['react', 'react-dom'] },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // No inline scripts or data: modules: the CSP is `script-src 'self'`.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // The editor's chunk (CodeMirror, Markdown) loads with the Today page, not with the shell.
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { '/v1': 'http://localhost:3000' } },
});
