import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { twilioSpecPath } from '../test/support/twilio-oai.js';
import { createTarget } from './bench.create.js';
import { AUTH, ROOT, SID } from './bench.loft.js';
import { hammer, type Load, type Target } from './bench.load.js';
import { start } from './bench.proc.js';

/** Stoplight Prism's figures for the same create and list requests. */
export interface PrismResult {
  create: Load;
  list: Load;
  /** Status of one create and one list request before the load. */
  checks: { create: number; list: number };
  warnings: string[];
}

/** Why Prism cannot run, or undefined. */
export function prismUnavailable(): string | undefined {
  let spec: string;
  try {
    spec = twilioSpecPath('twilio_api_v2010');
  } catch (err) {
    return (err as Error).message;
  }
  if (!existsSync(spec)) return `Twilio's OpenAPI spec not found at ${spec} (npm ci)`;
  if (!existsSync(join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js'))) {
    return '@stoplight/prism-cli is not installed (npm install)';
  }
  return undefined;
}

/** A free TCP port on loopback (Prism takes no port 0). */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/**
 * Runs `prism mock` on Twilio's spec in its own process and measures the same create POST and
 * list GET as Loft's phases, with the same autocannon settings.
 */
export async function prismPhase(opts: {
  createConnections: number;
  listConnections: number;
  seconds: number;
}): Promise<PrismResult> {
  const port = await freePort();
  const child = start(process.execPath, [
    join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js'),
    'mock',
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    // Prism logs several lines per request at info; warnings only, so logging costs it little.
    '--verboseLevel',
    'warn',
    // The description of api.twilio.com 2010-04-01 that the tests validate Loft's bodies with.
    twilioSpecPath('twilio_api_v2010'),
  ]);
  try {
    // With logging at warn Prism prints nothing when ready: poll until it answers.
    const ready = Date.now() + 120_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.arrayBuffer().then(() => true),
        () => false,
      );
      if (up) break;
      if (Date.now() > ready || child.proc.exitCode !== null) {
        throw new Error(`Prism did not start:\n${child.output().slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const base = `http://127.0.0.1:${port}/2010-04-01/Accounts/${SID}/Messages.json`;
    const createPost = createTarget(base);
    const listTarget: Target = { url: `${base}?PageSize=50`, headers: { authorization: AUTH } };
    const check = async (t: Target) => {
      const r = await fetch(t.url, {
        method: t.method ?? 'GET',
        headers: t.headers ?? {},
        ...(t.body !== undefined && { body: t.body }),
      });
      await r.arrayBuffer();
      return r.status;
    };
    const checks = { create: await check(createPost), list: await check(listTarget) };
    const warnings: string[] = [];
    if (checks.create !== 201)
      warnings.push(`Prism answered create with ${checks.create}, not 201`);
    if (checks.list !== 200) warnings.push(`Prism answered list with ${checks.list}, not 200`);
    const create = await hammer(createPost, opts.createConnections, opts.seconds);
    const list = await hammer(listTarget, opts.listConnections, opts.seconds);
    for (const [name, l] of [
      ['create', create],
      ['list', list],
    ] as const) {
      if (l.non2xx > 0) warnings.push(`Prism ${name}: ${l.non2xx} non-2xx responses under load`);
    }
    return { create, list, checks, warnings };
  } finally {
    await child.stop();
  }
}
