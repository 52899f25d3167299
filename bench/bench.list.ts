import { seedTo } from '../src/cli/seed.js';
import { AUTH, seed, startLoft, type Engine, type Loft, type SeedRun } from './bench.loft.js';
import { call, hammer, type DriverLatency, type Load } from './bench.load.js';
import { rssMb } from './bench.proc.js';
import { consolePagePhase, type ConsolePageResult } from './bench.console.js';

/** The four list variants. */
export const VARIANTS = ['unfiltered', 'to', 'dateRange', 'deep'] as const;
export type Variant = (typeof VARIANTS)[number];

/** One list size's figures. */
export interface ListResult {
  size: number;
  seed: SeedRun;
  /** Time of the engine's post-load housekeeping (PostgreSQL: VACUUM ANALYZE), s. */
  afterSeedSeconds: number;
  /** The query each variant ran (after `Messages.json?`). */
  queries: Record<Variant, string>;
  load: Record<Variant, Load>;
  /** The unfiltered page's statement through the driver alone, c=1 (the store's floor). */
  driver?: DriverLatency;
  /** The console's first log page against the API's list page (issue 17). */
  console?: ConsolePageResult;
  /** Server RSS after the list runs, MB. */
  rssMb: number | undefined;
  warnings: string[];
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The deep page: the first page's real `next_page_uri`, with its keyset position moved 90 % of
 * the way towards the oldest message (the token is `PA` + base64url of the `seq`; see
 * src/http/paging.ts). When the token has another shape, follows `next_page_uri` 20 pages deep.
 */
async function deepQuery(loft: Loft): Promise<string> {
  const first = await call(`${loft.base}/Messages.json?PageSize=50`, { auth: AUTH }, 200);
  const next = (first.json as { next_page_uri: string | null }).next_page_uri;
  if (!next) throw new Error('the first page has no next_page_uri');
  const url = new URL(next, loft.url);
  const token = url.searchParams.get('PageToken') ?? '';
  const position = Buffer.from(token.slice(2), 'base64url').toString('utf8');
  if (token.startsWith('PA') && /^\d+$/.test(position)) {
    const deep = Math.max(1, Math.floor(Number(position) * 0.1));
    url.searchParams.set('PageToken', 'PA' + Buffer.from(String(deep)).toString('base64url'));
    return url.search.slice(1);
  }
  let uri = next;
  for (let i = 0; i < 20; i++) {
    const page = await call(new URL(uri, loft.url).toString(), { auth: AUTH }, 200);
    const more = (page.json as { next_page_uri: string | null }).next_page_uri;
    if (!more) break;
    uri = more;
  }
  return new URL(uri, loft.url).search.slice(1);
}

/**
 * Seeds `size` messages with `loft seed` into a fresh database, starts a server on it and
 * measures 50-message pages in four variants; then reads the server's RSS.
 */
export async function listPhase(
  engine: Engine,
  size: number,
  opts: { connections: number; seconds: number; warmupSeconds: number },
): Promise<ListResult> {
  const db = await engine.fresh(`list${size}`);
  const warnings: string[] = [];
  let loft: Loft | undefined;
  try {
    const seeded = await seed(db.url, size, `${engine.name} ${size}`);
    const housekeeping = performance.now();
    await engine.afterSeed?.(db.url);
    const afterSeedSeconds = Math.round((performance.now() - housekeeping) / 100) / 10;
    loft = await startLoft(db.url);
    // The seed spreads messages over the 90 days before it ran: a week in the middle.
    const now = Date.now();
    const queries: Record<Variant, string> = {
      unfiltered: 'PageSize=50',
      to: `To=${encodeURIComponent(seedTo(0))}&PageSize=50`,
      dateRange: `DateSent%3E=${day(now - 50 * 86_400_000)}&DateSent%3C=${day(now - 44 * 86_400_000)}&PageSize=50`,
      deep: await deepQuery(loft),
    };
    const load = {} as Record<Variant, Load>;
    for (const v of VARIANTS) {
      const url = `${loft.base}/Messages.json?${queries[v]}`;
      const page = await call(url, { auth: AUTH }, 200);
      const got = (page.json as { messages: unknown[] }).messages.length;
      if (got !== 50)
        warnings.push(`${engine.name} ${size} ${v}: page has ${got} messages, not 50`);
      // Warm the JIT and the caches for this query shape before measuring it.
      if (opts.warmupSeconds > 0) {
        await hammer(
          { url, headers: { authorization: AUTH } },
          opts.connections,
          opts.warmupSeconds,
        );
      }
      load[v] = await hammer(
        { url, headers: { authorization: AUTH } },
        opts.connections,
        opts.seconds,
      );
      if (load[v].non2xx > 0 || load[v].errors > 0) {
        warnings.push(
          `${engine.name} ${size} ${v}: ${load[v].non2xx} non-2xx, ${load[v].errors} errors`,
        );
      }
    }
    const driver = await engine.driverList(db.url, opts.seconds);
    const consolePage = await consolePagePhase(loft, {
      connections: opts.connections,
      seconds: opts.seconds,
      warmupSeconds: opts.warmupSeconds,
    });
    return {
      size,
      seed: seeded,
      afterSeedSeconds,
      queries,
      load,
      driver,
      console: consolePage,
      rssMb: rssMb(loft.child.pid),
      warnings,
    };
  } finally {
    await loft?.stop();
    await db.remove();
  }
}
