import { join } from 'node:path';
import { ROOT } from './bench.loft.js';
import { receiver } from './bench.e2e.js';
import { cpuSeconds, start } from './bench.proc.js';

/** The callback floor: bare signed HTTP exchanges into the e2e phase's receiver. */
export interface CallbackFloorResult {
  callbacks: number;
  concurrency: number;
  /** Exchanges that reached the receiver (all of them, or the run is void). */
  received: number;
  connections: number;
  seconds: number;
  callbacksPerSec: number;
  /** The client process's CPU per exchange, µs (Loft's side of a callback, at its least). */
  clientCpuUs: number;
  /** This process's CPU per exchange (the receiver's side, as in the e2e phase), µs. */
  receiverCpuUs: number | undefined;
}

/**
 * Sends `callbacks` status-callback forms from bench/callback.client.mjs (a bare node:http
 * client in its own process) to a receiver in this process, the same receiver the end-to-end
 * phase counts callbacks with: the least a callback's HTTP exchange can cost on this machine.
 */
export async function callbackFloorPhase(opts: {
  callbacks: number;
  concurrency: number;
}): Promise<CallbackFloorResult> {
  const rx = await receiver();
  try {
    const own = cpuSeconds(process.pid);
    const child = start(process.execPath, [join(ROOT, 'bench/callback.client.mjs')], {
      URL: rx.url,
      COUNT: String(opts.callbacks),
      CONCURRENCY: String(opts.concurrency),
    });
    const [, ms, cpuUs] = await child.waitFor(/done (\d+) (\d+)/, 300_000);
    const ownAfter = cpuSeconds(process.pid);
    await child.stop();
    const { callbacks, connections } = rx.stats();
    const seconds = Number(ms) / 1000;
    return {
      callbacks: opts.callbacks,
      concurrency: opts.concurrency,
      received: callbacks,
      connections,
      seconds: Math.round(seconds * 100) / 100,
      callbacksPerSec: Math.round(callbacks / seconds),
      clientCpuUs: Math.round(Number(cpuUs) / callbacks),
      receiverCpuUs:
        own === undefined || ownAfter === undefined
          ? undefined
          : Math.round(((ownAfter - own) * 1e6) / callbacks),
    };
  } finally {
    await rx.close();
  }
}
