/**
 * Create → DLR delivered via SMPP (issue 18): a Loft server whose only carrier is the in-process
 * test SMSC (one transceiver bind, window 10, a DELIVRD receipt for every submit), `messages`
 * created over HTTP `concurrency` at a time, timed from the first create until every message is
 * `delivered`. Standalone: `npm run bench:smpp-e2e` (SMPP_E2E_MESSAGES, default 5 000; SQLite,
 * and PostgreSQL when the bench's is reachable); `smppE2ePhase` is the phase for bench/run.ts.
 */
import { execFileSync } from 'node:child_process';
import { seedTo } from '../src/cli/seed.js';
import { TestSmsc } from '../test/support/smsc/smsc.js';
import { call } from './bench.load.js';
import { AUTH, buyNumber, FROM, postgresEngine, sqliteEngine, startLoft } from './bench.loft.js';
import { pgUnavailable } from './bench.pg.js';
import type { Engine, Loft } from './bench.loft.js';

/** One store's figure: first create → last message delivered. */
export interface SmppE2eResult {
  messages: number;
  /** Receipts the SMSC sent that Loft acknowledged (one per message: single-part bodies). */
  receiptsAcked: number;
  seconds: number;
  msgPerSec: number;
}

const tick = () => new Promise((r) => setTimeout(r, 10));

/** How many messages the list API shows as delivered (PageSize 1000, every page). */
async function deliveredCount(loft: Loft): Promise<number> {
  let n = 0;
  let next: string | null = `${loft.base}/Messages.json?PageSize=1000`;
  while (next) {
    const page = (await call(next, { auth: AUTH }, 200)).json as {
      messages: { status: string }[];
      next_page_uri: string | null;
    };
    n += page.messages.filter((m) => m.status === 'delivered').length;
    next = page.next_page_uri ? `${loft.url}${page.next_page_uri}` : null;
  }
  return n;
}

/** Creates `messages` messages `concurrency` at a time; resolves when every create answered. */
async function createAll(loft: Loft, messages: number, concurrency: number): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < messages) {
      const n = i++;
      const form = `From=${encodeURIComponent(FROM)}&To=${encodeURIComponent(seedTo(n))}&Body=smpp+${n}`;
      await call(`${loft.base}/Messages.json`, { method: 'POST', auth: AUTH, form }, 201);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** One store: fresh database, fresh SMSC, Loft with CARRIERS pointing at it, then the run. */
async function runOn(engine: Engine, messages: number, concurrency: number) {
  const smsc = await TestSmsc.start();
  smsc.behaviour = { idFormat: 'hex', receiptStat: 'DELIVRD', receiptTlv: true };
  const db = await engine.fresh('smpp-e2e');
  let loft: Loft | undefined;
  try {
    const carriers = [
      { name: 'smsc', type: 'smpp', host: '127.0.0.1', port: smsc.port, systemId: 'loft', password: 'secret', bindMode: 'transceiver', window: 10 },
    ]; // prettier-ignore
    loft = await startLoft(db.url, { CARRIERS: JSON.stringify(carriers) });
    await buyNumber(loft);
    while (smsc.bound === 0) await tick();
    const started = performance.now();
    const creating = createAll(loft, messages, concurrency);
    let failed: unknown;
    creating.catch((e: unknown) => (failed = e));
    // Progress from the SMSC's side (in this process, free to read); the store has the last word.
    while (smsc.receiptsAcked.length < messages && failed === undefined) await tick();
    await creating;
    while ((await deliveredCount(loft)) < messages) await new Promise((r) => setTimeout(r, 200));
    const seconds = (performance.now() - started) / 1000;
    return {
      messages,
      receiptsAcked: smsc.receiptsAcked.length,
      seconds: Math.round(seconds * 100) / 100,
      msgPerSec: Math.round(messages / seconds),
    };
  } finally {
    await loft?.stop();
    await db.remove();
    await smsc.close();
  }
}

/** The phase: create → delivered via SMPP on each engine given, msg/s. */
export async function smppE2ePhase(
  engines: Engine[],
  opts: { messages?: number; concurrency?: number } = {},
): Promise<Partial<Record<Engine['name'], SmppE2eResult>>> {
  const out: Partial<Record<Engine['name'], SmppE2eResult>> = {};
  for (const engine of engines)
    out[engine.name] = await runOn(engine, opts.messages ?? 5000, opts.concurrency ?? 32);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The phase runs the built CLI, as in `npm run bench`.
  if (!process.env['BENCH_NO_BUILD']) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  const engines = [sqliteEngine];
  const noPg = await pgUnavailable();
  if (noPg) console.log(`PostgreSQL skipped: ${noPg}`);
  else engines.push(postgresEngine);
  const r = await smppE2ePhase(engines, {
    messages: Number(process.env['SMPP_E2E_MESSAGES'] ?? 5000),
  });
  for (const [store, e] of Object.entries(r))
    console.log(
      `SMPP create → delivered (${store}, window 10): ${e.messages} messages in ${e.seconds} s, ${e.msgPerSec} msg/s`,
    );
}
