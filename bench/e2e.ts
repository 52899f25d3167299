/**
 * `npm run bench:e2e`: only the end-to-end phase of `npm run bench`, on SQLite (PostgreSQL with
 * BENCH_E2E_STORE=postgres: a fresh database each run on the bench's server), without and with
 * status callbacks, BENCH_E2E_ROUNDS times (default 2), and the ratio callbacks / without of each
 * round. BENCH_LOFT_ROOTS (comma-separated checkouts, each built) alternates builds within every
 * round, so a change in the machine's speed hits each build alike; the default is this checkout.
 * BENCH_E2E_MESSAGES, BENCH_E2E_CONNECTIONS and BENCH_E2E_TIMEOUT as for `npm run bench`.
 * BENCH_E2E_FLOOR=1 ends with the callback floor (bare signed callbacks into the same receiver).
 */
import { callbackFloorPhase } from './bench.callbacks.js';
import { e2ePhase } from './bench.e2e.js';
import { postgresEngine, sqliteEngine } from './bench.loft.js';

const env = process.env;
const num = (name: string, def: number) => Number(env[name] || def);
const roots = (env['BENCH_LOFT_ROOTS'] ?? '').split(',').filter(Boolean);
const opts = {
  messages: num('BENCH_E2E_MESSAGES', 20_000),
  connections: num('BENCH_E2E_CONNECTIONS', 32),
  timeoutS: num('BENCH_E2E_TIMEOUT', 45),
};
const rounds = num('BENCH_E2E_ROUNDS', 2);
const engine = env['BENCH_E2E_STORE'] === 'postgres' ? postgresEngine : sqliteEngine;
/** BENCH_E2E_CALLBACKS: `both` (default), `off` or `on`: which of the two runs each round makes. */
const modes = { both: [false, true], off: [false], on: [true] }[
  env['BENCH_E2E_CALLBACKS'] ?? 'both'
] ?? [false, true];

for (let round = 1; round <= rounds; round++) {
  for (const root of roots.length > 0 ? roots : [undefined]) {
    // The CLI is resolved when a server starts (bench.loft.ts reads BENCH_LOFT_ROOT).
    if (root === undefined) delete env['BENCH_LOFT_ROOT'];
    else env['BENCH_LOFT_ROOT'] = root;
    const label = root ?? 'this checkout';
    const rates: number[] = [];
    for (const callbacks of modes) {
      const e = await e2ePhase(engine, { ...opts, callbacks });
      rates.push(e.createToDeliveredPerSec);
      console.log(
        `round ${round} ${label} ${callbacks ? 'callbacks' : 'without  '}: ` +
          `${e.delivered}/${e.created} in ${e.seconds} s = ${e.createToDeliveredPerSec} msg/s, ` +
          `${e.callbacksPerSec} callbacks/s over ${e.callbackConnections} connections, server CPU ${e.serverCpuUsPerMessage} µs/msg, machine ${e.machineCpuUsPerMessage} µs/msg` +
          `${e.complete ? '' : ' (TIMED OUT)'}`,
      );
    }
    const [without = 0, withCallbacks = 0] = rates;
    if (modes.length < 2) continue;
    console.log(
      `round ${round} ${label} ratio callbacks/without: ${(withCallbacks / without).toFixed(2)}`,
    );
  }
}

if (['1', 'true', 'on'].includes(env['BENCH_E2E_FLOOR'] ?? '')) {
  const f = await callbackFloorPhase({ callbacks: 3 * opts.messages, concurrency: 128 });
  console.log(
    `callback floor: ${f.received} in ${f.seconds} s = ${f.callbacksPerSec}/s, client ${f.clientCpuUs} µs, receiver ${f.receiverCpuUs} µs each`,
  );
}
