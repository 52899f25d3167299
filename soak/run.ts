/**
 * `npm run soak [file …]`: long real-time runs kept out of `npm test`. Runs each soak/*.ts named
 * on the command line (all of them when none is), one after the other, each in its own process;
 * a run fails by exiting non-zero. Exits with the number of failed runs.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const named = process.argv.slice(2);
const files =
  named.length > 0
    ? named.map((f) => (f.includes('/') ? f : join(here, f.endsWith('.ts') ? f : `${f}.ts`)))
    : readdirSync(here)
        .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
        .sort()
        .map((f) => join(here, f));

let failed = 0;
for (const file of files) {
  console.log(`\n=== soak ${basename(file)} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`=== ${basename(file)} FAILED (exit ${r.status ?? r.signal}) ===`);
  }
}
process.exit(failed);
