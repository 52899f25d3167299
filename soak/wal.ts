/**
 * Soak: the SQLite WAL stays within its bound under a sustained full load, and shrinks once the
 * load ends (issue 16). `loft serve` (the build in dist/) on a fresh SQLite file with
 * `SQLITE_WAL_LIMIT_MB`, the create POST at 32 connections for `SOAK_WAL_SECONDS` (60) with
 * delivery running; the WAL file's size is sampled every millisecond. Fails when the peak passes
 * the bound, or when the WAL, once the server is idle, is larger than an eighth of it.
 */
import { walRun } from '../bench/bench.wal.js';
import { stopAll } from '../bench/bench.proc.js';

const num = (name: string, def: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
};

const limitMb = num('SOAK_WAL_LIMIT_MB', 64);
const seconds = num('SOAK_WAL_SECONDS', 60);
const limit = limitMb * 1024 * 1024;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

process.on('SIGINT', () => void stopAll().finally(() => process.exit(130)));

console.log(`wal: ${seconds} s of full create load, SQLITE_WAL_LIMIT_MB=${limitMb}`);
const w = await walRun({ limitMb, connections: 32, seconds });
console.log(
  `wal: ${w.requests} creates (${w.reqPerSec} req/s, p99 ${w.p99} ms, ${w.non2xx} non-2xx, ` +
    `${w.errors} errors); WAL peak ${mb(w.walPeakBytes)}, at the end ${mb(w.walAtEndBytes)}, ` +
    `final ${mb(w.walFinalBytes)} ${w.settleSeconds} s after the load`,
);
const failures = [
  w.walPeakBytes > limit && `WAL peak ${mb(w.walPeakBytes)} > bound ${mb(limit)}`,
  w.walFinalBytes > limit / 8 && `WAL once idle ${mb(w.walFinalBytes)} > ${mb(limit / 8)}`,
  w.settleTimedOut && 'the WAL never settled after the load',
  w.non2xx + w.errors > 0 && `${w.non2xx} non-2xx answers and ${w.errors} errors`,
  w.requests === 0 && 'no request succeeded',
].filter((f): f is string => typeof f === 'string');
for (const f of failures) console.error(`wal: FAIL: ${f}`);
if (failures.length === 0) console.log('wal: PASS');
process.exitCode = failures.length > 0 ? 1 : 0;
