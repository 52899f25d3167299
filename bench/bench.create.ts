import { join } from 'node:path';
import {
  AUTH,
  buyNumber,
  FROM,
  ROOT,
  SID,
  sqliteEngine,
  startLoft,
  type Engine,
} from './bench.loft.js';
import { call, hammer, type Load, type Target } from './bench.load.js';
import { cpuSeconds, cpuUsPer, start } from './bench.proc.js';

/** The create request every create phase sends (the ceiling gets the same body). */
export const CREATE_FORM = `From=${encodeURIComponent(FROM)}&To=%2B14155550100&Body=hello+from+the+bench`;

/** Headers of every form POST the bench sends to Loft (and to Prism). */
export const FORM_HEADERS = {
  authorization: AUTH,
  'content-type': 'application/x-www-form-urlencoded',
};

/** The create POST to `url` (Messages.json), with the bench's form or another body. */
export const createTarget = (url: string, body = CREATE_FORM): Target => ({
  url,
  method: 'POST',
  headers: FORM_HEADERS,
  body,
});

/** Timing settings shared by the ceiling and create phases. */
export interface CreateSettings {
  seconds: number;
  warmupSeconds: number;
}

/**
 * The ceiling: bench/ceiling.server.mjs in its own process, measured at each connection count
 * in `tried`; the best one is returned (and should be used for create).
 */
export async function ceilingPhase(
  connections: number[],
  s: CreateSettings,
  server = 'ceiling.server.mjs',
  env: Record<string, string> = {},
): Promise<Load & { responseBytes: number; tried: Record<string, number> }> {
  const child = start(process.execPath, [join(ROOT, 'bench', server)], env);
  try {
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
    const target = createTarget(`${url}/2010-04-01/Accounts/${SID}/Messages.json`);
    const first = await call(target.url, { method: 'POST', auth: AUTH, form: CREATE_FORM }, 201);
    if (s.warmupSeconds > 0) await hammer(target, connections[0] ?? 32, s.warmupSeconds);
    let best: Load | undefined;
    const tried: Record<string, number> = {};
    for (const c of connections) {
      const cpu = cpuSeconds(child.pid);
      const l = await hammer(target, c, s.seconds);
      l.serverCpuUs = cpuUsPer(cpu, cpuSeconds(child.pid), l.requests);
      tried[String(c)] = l.reqPerSec;
      if (!best || l.reqPerSec > best.reqPerSec) best = l;
    }
    return { ...(best as Load), responseBytes: Buffer.byteLength(first.text), tried };
  } finally {
    await child.stop();
  }
}

/**
 * The storage floor (bench/floor.server.mjs): the ceiling plus the SQLite rows of a create, on a
 * fresh file with Loft's schema. Measured like the ceiling, at `connections`.
 */
export async function floorPhase(connections: number, s: CreateSettings) {
  const db = await sqliteEngine.fresh('floor');
  try {
    const path = db.url.slice('sqlite:'.length);
    return await ceilingPhase([connections], s, 'floor.server.mjs', { DATABASE_PATH: path });
  } finally {
    await db.remove();
  }
}

/**
 * Create throughput: `loft serve` on a fresh database (delivery running, simulator delay 0,
 * unless `env` says otherwise), a number bought first, then POST Messages.json with keep-alive
 * for `seconds`.
 */
export async function createPhase(
  engine: Engine,
  connections: number,
  s: CreateSettings,
  env: Record<string, string> = {},
): Promise<Load & { responseBytes: number }> {
  const db = await engine.fresh('create');
  const loft = await startLoft(db.url, env).catch(async (e: unknown) => {
    await db.remove();
    throw e;
  });
  try {
    await buyNumber(loft);
    const target = createTarget(`${loft.base}/Messages.json`);
    const first = await call(target.url, { method: 'POST', auth: AUTH, form: CREATE_FORM }, 201);
    if (s.warmupSeconds > 0) await hammer(target, connections, s.warmupSeconds);
    const cpu = cpuSeconds(loft.child.pid);
    const load = await hammer(target, connections, s.seconds);
    // Includes the delivery of these messages as far as it got within the run.
    load.serverCpuUs = cpuUsPer(cpu, cpuSeconds(loft.child.pid), load.requests);
    return { ...load, responseBytes: Buffer.byteLength(first.text) };
  } finally {
    await loft.stop();
    await db.remove();
  }
}
