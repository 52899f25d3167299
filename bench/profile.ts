/**
 * CPU profile of a Loft server under create load: `tsx bench/profile.ts [seconds] [env JSON]`.
 * The second argument is extra server environment as JSON, plus CALLBACKS (a StatusCallback on
 * every message, to a receiver here), DRAIN_MS (time left to deliver after the load), SQL_STATS
 * (per-statement timings on SQLite, bench/sql-stats.mjs), ENGINE (`postgres`) and LIST (a size:
 * seed that many messages and profile `Messages.json?PageSize=50` on one connection instead of
 * creates). The server
 * writes a .cpuprofile on exit; the time per package and the top functions by self time are
 * printed.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUTH,
  buyNumber,
  postgresEngine,
  ROOT,
  seed,
  sqliteEngine,
  startLoft,
} from './bench.loft.js';
import { vacuumAnalyze } from './bench.pg.js';
import { CREATE_FORM, createTarget } from './bench.create.js';
import { receiver } from './bench.e2e.js';
import { hammer } from './bench.load.js';

const seconds = Number(process.argv[2] ?? 8);
const env = JSON.parse(process.argv[3] ?? '{}') as Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'loft-prof-'));
// ENGINE=postgres: a fresh database on the PostgreSQL server instead of a SQLite file.
const db = await (env.ENGINE === 'postgres' ? postgresEngine : sqliteEngine).fresh('prof');
if (env.LIST) {
  await seed(db.url, Number(env.LIST), 'profile');
  if (env.ENGINE === 'postgres') await vacuumAnalyze(db.url);
}
const statsArgs = env.SQL_STATS ? ['--import', join(ROOT, 'bench/sql-stats.mjs')] : [];
const loft = await startLoft(db.url, env, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...statsArgs]);
await buyNumber(loft);
// CALLBACKS=1: every message has a StatusCallback to a receiver in this process.
const rx = await receiver();
const form = env.CALLBACKS
  ? `${CREATE_FORM}&StatusCallback=${encodeURIComponent(rx.url)}`
  : CREATE_FORM;
const load = env.LIST
  ? await hammer(
      { url: `${loft.base}/Messages.json?PageSize=50`, headers: { authorization: AUTH } },
      1,
      seconds,
    )
  : await hammer(createTarget(`${loft.base}/Messages.json`, form), 32, seconds);
console.log(`${Math.round(load.reqPerSec)} req/s p50 ${load.p50} p99 ${load.p99}`);
await new Promise((r) => setTimeout(r, Number(env.DRAIN_MS ?? 0)));
console.log(`${rx.stats().callbacks} callbacks received`);
await rx.close();
await loft.stop();
if (env.SQL_STATS)
  console.log(
    loft.child
      .output()
      .split('\n')
      .filter((l) => /^SQL|^ *\d+ +\d+ +\d+ /.test(l))
      .join('\n'),
  );
await db.remove();

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
for (const file of readdirSync(dir)) {
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  for (const n of prof.nodes) {
    const t = self.get(n.id) ?? 0;
    const { functionName, lineNumber } = n.callFrame;
    const url = n.callFrame.url;
    const short = (url ?? '').replace(/^.*node_modules\//, 'nm/').replace(/^.*\/dist\//, 'dist/');
    const key = `${functionName || '(anon)'} ${short}:${lineNumber}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    const head = (u: string) => u.split('/')[0] ?? u;
    const pkg: string = url.includes('node_modules/')
      ? 'nm/' + head(url.replace(/^.*node_modules\//, ''))
      : url.includes('/dist/')
        ? 'dist/' + head(url.replace(/^.*\/dist\//, ''))
        : url.startsWith('node:')
          ? head(url)
          : functionName.startsWith('(')
            ? functionName
            : url || '(native)';
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
  }
  const pct = (t: number) => ((100 * t) / total).toFixed(1).padStart(5);
  console.log(`\n${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  for (const [k, t] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(pct(t), k);
  console.log('');
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(pct(t), k);
}
