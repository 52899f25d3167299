import { createTarget, CREATE_FORM, type CreateSettings } from './bench.create.js';
import { AUTH, buyNumber, startLoft, type Engine } from './bench.loft.js';
import { call, hammer } from './bench.load.js';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { cpuSeconds, cpuUsPer } from './bench.proc.js';

/** Scrapes a second of the amplified segments (see {@link metricsPhase}). */
export const AMPLIFIED_HZ = 50;

/** One create segment: scrapes a second asked for (0: none) and made, req/s, server CPU µs per create. */
export interface MetricsSegment {
  hz: number;
  scrapesPerSec: number;
  reqPerSec: number;
  cpuUsPerReq: number | undefined;
}

// The scraper: a thread of its own, so its requests never stall the load generator's event loop
// (which would count against Loft). One scrape at a time, as Prometheus makes them, every 1/hz s.
const SCRAPER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false;
parentPort.on('message', () => { stop = true; });
(async () => {
  const latencies = [];
  let bytes = 0;
  let failure;
  const period = 1000 / workerData.hz;
  let next = performance.now();
  while (!stop) {
    const t = performance.now();
    try {
      const res = await fetch(workerData.url);
      const text = await res.text();
      if (res.status !== 200) throw new Error('GET /metrics: ' + res.status + ' ' + text);
      bytes = Buffer.byteLength(text);
      latencies.push(performance.now() - t);
    } catch (e) {
      failure = String(e);
      break;
    }
    next += period;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else next = performance.now();
  }
  parentPort.postMessage({ latencies, bytes, failure });
})();
`;

/** Scrapes `url` `hz` times a second on a thread of its own until the returned stop is called. */
function scraper(url: string, hz: number) {
  const worker = new Worker(SCRAPER_SOURCE, { eval: true, workerData: { url, hz } });
  return async (): Promise<{ latencies: number[]; bytes: number }> => {
    const done = once(worker, 'message');
    worker.postMessage('stop');
    const [r] = (await done) as [{ latencies: number[]; bytes: number; failure?: string }];
    await worker.terminate();
    if (r.failure) throw new Error(r.failure);
    return r;
  };
}

/** A comparison of segments with scraping at `hz` against the segments without, around them. */
export interface ScrapeComparison {
  hz: number;
  /** Mean create req/s without scraping, and with. */
  without: number;
  with: number;
  /** 1 − with / without (negative: within the noise). */
  lost: number;
  /** Scrapes a second actually made (one at a time: fewer than `hz` when they take long). */
  scrapesPerSec: number;
  /** `lost` per scrape a second made. */
  lostPerHz: number;
  /** Server CPU per create with scraping over without, minus 1. */
  cpu: number | undefined;
  /** `cpu` per scrape a second made. */
  cpuPerHz: number | undefined;
}

/** What scraping `/metrics` costs the create benchmark, on one server. */
export interface MetricsResult {
  segments: MetricsSegment[];
  /** At one scrape a second: what the issue asks about, measured directly. */
  atOneHz: ScrapeComparison;
  /** At {@link AMPLIFIED_HZ} scrapes a second: the same cost made large enough to measure. */
  amplified: ScrapeComparison;
  /**
   * How far apart the segments without scraping are, (max − min) / mean: the noise the direct
   * figure sits in (other tenants of the machine, the growing database).
   */
  spread: number;
  /** Server CPU of one scrape (ms), on the same server once the load has stopped. */
  scrapeCpuMs: number | undefined;
  /** Latency (ms) of the scrapes made under load, and the size of the text (bytes). */
  scrapeP50Ms: number;
  scrapeMaxMs: number;
  scrapeBytes: number;
}

/**
 * One `loft serve` (delivery running) hammered with creates in segments of `seconds`, in rounds
 * of A B B A A C C A: A without scraping, B with a scraper GETting `/metrics` once a second, C
 * {@link AMPLIFIED_HZ} times a second. The same server and database throughout; only the
 * scraping differs, and the symmetric order makes a drift (of the machine, of the growing
 * database) weigh on both sides alike. On a shared 2-core host segments differ by more than
 * 2 % with nothing changed (`spread`), so the direct figure at 1/s cannot resolve 2 %; at
 * 50/s the cost is 50 times larger, and divided back by 50 gives the cost of one scrape a second.
 */
export async function metricsPhase(
  engine: Engine,
  connections: number,
  s: CreateSettings & { rounds: number },
): Promise<MetricsResult> {
  const db = await engine.fresh('metrics');
  const loft = await startLoft(db.url).catch(async (e: unknown) => {
    await db.remove();
    throw e;
  });
  try {
    await buyNumber(loft);
    const target = createTarget(`${loft.base}/Messages.json`);
    await call(target.url, { method: 'POST', auth: AUTH, form: CREATE_FORM }, 201);
    if (s.warmupSeconds > 0) await hammer(target, connections, s.warmupSeconds);
    const latencies: number[] = [];
    let bytes = 0;
    const scrape = async () => {
      const res = await fetch(`${loft.url}/metrics`);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET /metrics → ${res.status}: ${text}`);
    };
    const pid = loft.child.pid;
    const segments: MetricsSegment[] = [];
    const order = [0, 1, 1, 0, 0, AMPLIFIED_HZ, AMPLIFIED_HZ, 0];
    for (let round = 0; round < s.rounds; round++) {
      for (const hz of order) {
        const stop = hz > 0 ? scraper(`${loft.url}/metrics`, hz) : undefined;
        const cpu = cpuSeconds(pid);
        const l = await hammer(target, connections, s.seconds);
        const cpuUsPerReq = cpuUsPer(cpu, cpuSeconds(pid), l.requests);
        const scraped = (await stop?.()) ?? { latencies: [], bytes };
        latencies.push(...scraped.latencies);
        bytes = scraped.bytes;
        segments.push({
          hz,
          scrapesPerSec: Math.round((scraped.latencies.length / s.seconds) * 10) / 10,
          reqPerSec: l.reqPerSec,
          cpuUsPerReq,
        });
      }
    }
    const during = [...latencies].sort((a, b) => a - b);
    const cost = await scrapeCost(pid, scrape);
    const bare = segments.filter((x) => x.hz === 0).map((x) => x.reqPerSec);
    const r2 = (v: number) => Math.round(v * 100) / 100;
    return {
      segments,
      atOneHz: compare(segments, 1),
      amplified: compare(segments, AMPLIFIED_HZ),
      spread: r4((Math.max(...bare) - Math.min(...bare)) / mean(bare)),
      scrapeCpuMs: cost === undefined ? undefined : r2(cost),
      scrapeP50Ms: r2(during[Math.floor(during.length / 2)] ?? NaN),
      scrapeMaxMs: r2(during.at(-1) ?? NaN),
      scrapeBytes: bytes,
    };
  } finally {
    await loft.stop();
    await db.remove();
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const r4 = (v: number) => Math.round(v * 10_000) / 10_000;

/**
 * Segments scraped at `hz` against the unscraped ones of the same rounds' halves (A B B A: each
 * B pair with the A on either side of it).
 */
function compare(segments: MetricsSegment[], hz: number): ScrapeComparison {
  const withs: MetricsSegment[] = [];
  const withouts: MetricsSegment[] = [];
  segments.forEach((x, i) => {
    if (x.hz !== hz) return;
    withs.push(x);
    // The A segment next to this B (before the first B of a pair, after the second).
    const neighbour = segments[i - 1]?.hz === 0 ? segments[i - 1] : segments[i + 1];
    if (neighbour?.hz === 0) withouts.push(neighbour);
  });
  const without = mean(withouts.map((x) => x.reqPerSec));
  const withScrape = mean(withs.map((x) => x.reqPerSec));
  const rate = mean(withs.map((x) => x.scrapesPerSec));
  const lost = 1 - withScrape / without;
  const cpuOf = (list: MetricsSegment[]) => {
    const v = list.map((x) => x.cpuUsPerReq);
    return v.every((x) => x !== undefined) ? mean(v) : undefined;
  };
  const cpuWith = cpuOf(withs);
  const cpuWithout = cpuOf(withouts);
  const cpu =
    cpuWith === undefined || cpuWithout === undefined ? undefined : cpuWith / cpuWithout - 1;
  return {
    hz,
    without: Math.round(without),
    with: Math.round(withScrape),
    lost: r4(lost),
    scrapesPerSec: Math.round(rate * 10) / 10,
    lostPerHz: r4(lost / rate),
    cpu: cpu === undefined ? undefined : r4(cpu),
    cpuPerHz: cpu === undefined ? undefined : r4(cpu / rate),
  };
}

/**
 * Server CPU of one scrape (ms): 200 scrapes back to back once the load has stopped and the
 * delivery has drained, minus what the idle server burns meanwhile (its timers, measured just
 * before).
 */
async function scrapeCost(pid: number, scrape: () => Promise<void>): Promise<number | undefined> {
  const N = 200;
  await new Promise((r) => setTimeout(r, 2000));
  const t0 = performance.now();
  const c0 = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, 1000));
  const c1 = cpuSeconds(pid);
  if (c0 === undefined || c1 === undefined) return undefined;
  const idlePerMs = (c1 - c0) / (performance.now() - t0);
  const t1 = performance.now();
  for (let i = 0; i < N; i++) await scrape();
  const c2 = cpuSeconds(pid);
  if (c2 === undefined) return undefined;
  const idle = idlePerMs * (performance.now() - t1);
  return (Math.max(0, c2 - c1 - idle) * 1000) / N;
}
