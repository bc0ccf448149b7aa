// Builds dist/ with Vite, unless nothing it is built from changed since the last build
// (a hash of the sources, the config and the lock file, kept in dist/.build-hash).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const web = path.resolve(import.meta.dirname, '..');
const inputs = [
  'index.html',
  'vite.config.ts',
  'package.json',
  'tsconfig.json',
  '../package-lock.json',
  'src',
  'public',
];

function files(entry) {
  const full = path.join(web, entry);
  if (!existsSync(full)) return [];
  if (
    !readdirSync(path.dirname(full), { withFileTypes: true })
      .find((d) => d.name === path.basename(full))
      ?.isDirectory()
  )
    return [entry];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((dirent) => dirent.isFile())
    .map((dirent) => path.relative(web, path.join(dirent.parentPath, dirent.name)));
}

const hash = createHash('sha256');
for (const file of inputs.flatMap(files).sort()) {
  hash
    .update(file)
    .update('\0')
    .update(readFileSync(path.join(web, file)))
    .update('\0');
}
const digest = hash.digest('hex');
const stamp = path.join(web, 'dist', '.build-hash');
if (!process.argv.includes('--force') && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
  console.log('web: dist/ is up to date');
} else {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
  writeFileSync(stamp, digest);
  console.log(`web: built dist/; app shell ${shellSize()} KB of JavaScript (gzip)`);
}

/** The JavaScript index.html loads before the first page shows (its scripts and module preloads), gzipped. */
function shellSize() {
  const html = readFileSync(path.join(web, 'dist', 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1]);
  const bytes = scripts.reduce((sum, src) => sum + gzipSync(readFileSync(path.join(web, 'dist', src))).length, 0);
  return (bytes / 1024).toFixed(1);
}
