/**
 * `npm run soak`: the long-running checks that do not fit `npm test`'s time budget. Builds once
 * (`npm run build`; `SOAK_NO_BUILD=1` uses the existing dist/), then runs every other file in
 * soak/ (or only those named as arguments: `npm run soak -- wal`) one after the other, each in
 * its own process; exits 1 if any failed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const here = join(ROOT, 'soak');
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`no soak file matches ${wanted.join(', ')}`);
  process.exit(2);
}

if (!['1', 'true', 'on'].includes(process.env['SOAK_NO_BUILD'] ?? '')) {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}
const results: [string, string][] = [];
for (const file of files) {
  console.log(`\n▶ soak/${file}`);
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const seconds = Math.round((performance.now() - started) / 1000);
  results.push([file, `${r.status === 0 ? 'PASS' : 'FAIL'} (${seconds} s)`]);
}
console.log('\n' + results.map(([f, r]) => `${f.padEnd(24)} ${r}`).join('\n'));
process.exitCode = results.some(([, r]) => r.startsWith('FAIL')) ? 1 : 0;
