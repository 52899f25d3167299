import autocannon from 'autocannon';

/** One load run's figures. Latencies in milliseconds. */
export interface Load {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  connections: number;
  seconds: number;
  /** Server CPU (every thread) per request during the run, in µs, where measured. */
  serverCpuUs?: number;
}

/** A request to hammer: keep-alive HTTP/1.1, the same for every connection. */
export interface Target {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/** The q-quantile (0…1) of sorted samples. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * Runs autocannon (in this process; the server is another process) and summarises it.
 * Latency percentiles come from every response's own time (autocannon's histogram keeps whole
 * milliseconds, too coarse for sub-millisecond list pages).
 */
export async function hammer(target: Target, connections: number, seconds: number): Promise<Load> {
  let samples = new Float64Array(1 << 16);
  let n = 0;
  const r = await new Promise<autocannon.Result>((ok, fail) => {
    const instance = autocannon(
      {
        url: target.url,
        method: target.method ?? 'GET',
        headers: target.headers ?? {},
        ...(target.body !== undefined && { body: target.body }),
        connections,
        duration: seconds,
      },
      (err: Error | null, result) => (err ? fail(err) : ok(result)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime: number) => {
      if (n === samples.length) {
        const grown = new Float64Array(samples.length * 2);
        grown.set(samples);
        samples = grown;
      }
      samples[n++] = responseTime;
    });
  });
  const sorted = samples.subarray(0, n).sort();
  const statuses: Record<string, number> = {};
  const stats = (r as unknown as { statusCodeStats?: Record<string, { count: number }> })
    .statusCodeStats;
  for (const [code, s] of Object.entries(stats ?? {})) statuses[code] = s.count;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    reqPerSec: Math.round(r.requests.total / seconds),
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statuses,
    connections,
    seconds,
  };
}

/** `Basic …` for a SID and secret. */
export const basic = (user: string, pass: string): string =>
  'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

/** One request with fetch; throws unless the status is `expect`. */
export async function call(
  url: string,
  init: { method?: string; auth?: string; form?: string },
  expect: number,
): Promise<{ status: number; text: string; json: unknown }> {
  const headers: Record<string, string> = {};
  if (init.auth) headers['authorization'] = init.auth;
  if (init.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.form });
  const text = await res.text();
  if (res.status !== expect) {
    throw new Error(`${init.method ?? 'GET'} ${url} → ${res.status} (expected ${expect}): ${text}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** Latency of one statement run back to back on one connection, ms. */
export interface DriverLatency {
  p50: number;
  p99: number;
  reqPerSec: number;
}

/** p50/p99 and rate of `run` called back to back for `seconds`. */
export async function timeLoop(run: () => unknown, seconds: number): Promise<DriverLatency> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await run();
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const at = (p: number) => Math.round((lat[Math.floor(lat.length * p)] ?? NaN) * 100) / 100;
  return { p50: at(0.5), p99: at(0.99), reqPerSec: Math.round(lat.length / seconds) };
}
