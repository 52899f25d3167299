import autocannon from 'autocannon';
import {
  AUTH,
  buyNumber,
  FROM,
  SID,
  startLoft,
  TOKEN,
  type Engine,
  type Loft,
} from './bench.loft.js';
import { hammer, type Load } from './bench.load.js';
import { cpuSeconds, cpuUsPer } from './bench.proc.js';

/** The console's first log page against the API's list page, on the same server and data. */
export interface ConsolePageResult {
  /** `GET Messages.json?PageSize=50` with Basic auth. */
  api: Load;
  /** What the log page's script fetches first: `GET /loft/v1/…/Messages?PageSize=50`, cookie. */
  console: Load;
  /** The page itself (HTML shell), cookie. */
  shell: Load;
  /** console p50 / api p50. */
  ratio: number;
}

/** A console session on `loft`: signs in through the form as a browser does. */
export async function consoleSession(url: string): Promise<string> {
  const form = await fetch(`${url}/console/signin`);
  const nonce = form.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${url}/console/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonce },
    body: new URLSearchParams({ username: SID, password: TOKEN, csrf }).toString(),
    redirect: 'manual',
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('loft_session='));
  if (res.status !== 303 || !session) throw new Error(`console sign-in failed: ${res.status}`);
  return session.split(';')[0]!;
}

/**
 * The message log's first page at the list phase's size: the console's data request and the
 * API's list page, each warmed then loaded alike, API first and again last (the mean is used,
 * so a machine slowing down during the phase does not favour either).
 */
export async function consolePagePhase(
  loft: Loft,
  opts: { connections: number; seconds: number; warmupSeconds: number },
): Promise<ConsolePageResult> {
  const cookie = await consoleSession(loft.url);
  const targets = {
    api: { url: `${loft.base}/Messages.json?PageSize=50`, headers: { authorization: AUTH } },
    console: {
      url: `${loft.url}/loft/v1/Accounts/${SID}/Messages?PageSize=50`,
      headers: { cookie },
    },
    shell: { url: `${loft.url}/console/${SID}/messages`, headers: { cookie } },
  };
  const page = (await (await fetch(targets.console.url, { headers: { cookie } })).json()) as {
    messages: unknown[];
  };
  const got = page.messages.length;
  if (got !== 50) throw new Error(`the console's first page has ${got} messages, not 50`);
  const measure = async (t: { url: string; headers: Record<string, string> }) => {
    if (opts.warmupSeconds > 0) await hammer(t, opts.connections, opts.warmupSeconds);
    return hammer(t, opts.connections, opts.seconds);
  };
  const api1 = await measure(targets.api);
  const consoleLoad = await measure(targets.console);
  const shell = await measure(targets.shell);
  const api2 = await measure(targets.api);
  const api: Load = { ...api1, p50: (api1.p50 + api2.p50) / 2, p99: (api1.p99 + api2.p99) / 2 };
  return {
    api,
    console: consoleLoad,
    shell,
    ratio: Math.round((consoleLoad.p50 / api.p50) * 100) / 100,
  };
}

/** A fixed-rate create run with and without an open console stream. */
export interface ConsoleLiveResult {
  rate: number;
  seconds: number;
  /** Messages stored while the stream was open (read back from the API). */
  created: number;
  /** Messages the stream sent whole, and those it only counted ("N new"). */
  sent: number;
  counted: number;
  /** created − (sent + counted): 0 when nothing was lost. */
  lost: number;
  /** Events received, and the longest gap between two, in ms. */
  events: number;
  /** Server CPU per created message without and with the stream open, µs. */
  cpuUsWithout: number | undefined;
  cpuUsWith: number | undefined;
  /** cpuUsWith / cpuUsWithout − 1. */
  cpuOverhead: number | undefined;
}

/**
 * How many messages the account has (every page of the list). Counted before the stream opens
 * and after the load, not by walking back to the newest SID seen first: the list orders by
 * second, then SID, so messages of that same second could sort behind it and be missed.
 */
async function countAll(loft: Loft): Promise<number> {
  let n = 0;
  let next: string | null = `/2010-04-01/Accounts/${SID}/Messages.json?PageSize=1000`;
  while (next) {
    const page = (await (
      await fetch(loft.url + next, { headers: { authorization: AUTH } })
    ).json()) as {
      messages: { sid: string }[];
      next_page_uri: string | null;
    };
    n += page.messages.length;
    next = page.next_page_uri;
  }
  return n;
}

/**
 * Creates at `rate` per second, `rate × seconds` in all, and returns the 2xx answers once every
 * request has been answered. A fixed amount, not a duration: at a duration's end autocannon
 * drops the requests still in flight, which the server goes on to store, so a count taken then
 * missed them (on PostgreSQL, where a create commits a few ms later, the console phase reported
 * such late ones as 12 messages streamed but never created).
 */
export async function createAtRate(
  loft: Pick<Loft, 'base'>,
  rate: number,
  seconds: number,
): Promise<number> {
  const r = await new Promise<autocannon.Result>((ok, fail) =>
    autocannon(
      {
        url: `${loft.base}/Messages.json`,
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body: `From=${encodeURIComponent(FROM)}&To=%2B14155550100&Body=bench`,
        connections: 16,
        overallRate: rate,
        amount: Math.round(rate * seconds),
      },
      (err: Error | null, res) => (err ? fail(err) : ok(res)),
    ),
  );
  return r['2xx'];
}

/**
 * `rate` messages per second for `seconds` with no console, then with one console stream open
 * (read in this process): every created message must reach the stream, whole or counted, and
 * the server's CPU per message is compared.
 */
export async function consoleLivePhase(
  engine: Engine,
  opts: { rate: number; seconds: number },
): Promise<ConsoleLiveResult> {
  const db = await engine.fresh('console');
  let loft: Loft | undefined;
  const abort = new AbortController();
  try {
    loft = await startLoft(db.url);
    await buyNumber(loft);
    await createAtRate(loft, opts.rate, 1); // warm-up
    const pid = loft.child.pid;
    let cpu = cpuSeconds(pid);
    const without = await createAtRate(loft, opts.rate, opts.seconds);
    const cpuUsWithout = cpuUsPer(cpu, cpuSeconds(pid), without);

    const cookie = await consoleSession(loft.url);
    const first = await fetch(`${loft.url}/loft/v1/Accounts/${SID}/Messages?PageSize=50`, {
      headers: { cookie },
    });
    const firstPage = (await first.json()) as { live_token: string; messages: { sid: string }[] };
    const token = firstPage.live_token;
    const before = await countAll(loft);
    const res = await fetch(`${loft.url}/loft/v1/Accounts/${SID}/Messages/Stream?After=${token}`, {
      headers: { cookie },
      signal: abort.signal,
    });
    let sent = 0;
    let counted = 0;
    let events = 0;
    const reading = (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
        if (done) return;
        buf += value;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!block.includes('event: messages') || !data) continue;
          const u = JSON.parse(data.slice(6)) as { messages: unknown[]; new_count: number };
          events++;
          if (u.messages.length === u.new_count) sent += u.new_count;
          else counted += u.new_count;
        }
      }
    })();
    cpu = cpuSeconds(pid);
    const answered = await createAtRate(loft, opts.rate, opts.seconds);
    const cpuUsWith = cpuUsPer(cpu, cpuSeconds(pid), answered);
    // Created, as the server stored them (every create answered by now: none still committing).
    const created = (await countAll(loft)) - before;
    // The stream reads at least every 500 ms: give it time to report the last ones.
    const deadline = Date.now() + 5000;
    while (sent + counted < created && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    await reading;
    return {
      rate: opts.rate,
      seconds: opts.seconds,
      created,
      sent,
      counted,
      lost: created - sent - counted,
      events,
      cpuUsWithout,
      cpuUsWith,
      cpuOverhead:
        cpuUsWith === undefined || cpuUsWithout === undefined || cpuUsWithout === 0
          ? undefined
          : Math.round((cpuUsWith / cpuUsWithout - 1) * 1000) / 1000,
    };
  } finally {
    abort.abort();
    await loft?.stop();
    await db.remove();
  }
}
