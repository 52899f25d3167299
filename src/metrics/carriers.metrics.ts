import { Counter, Gauge, type Registry } from 'prom-client';
import type { CarrierObserver } from '../delivery/carriers/carriers.setup.js';
import type { CarrierStatus, NetworkResult } from '../delivery/network.carrier.js';

/** The ESME status a result names (`ESME_ROK` when accepted, `retry` when not sent now). */
export function commandStatusOf(result: NetworkResult): string {
  if (result.ok) return 'ESME_ROK';
  if (result.retry) return 'retry';
  return /^(ESME_\w+|0x[0-9A-Fa-f]+)/.exec(result.errorMessage)?.[1] ?? 'unknown';
}

/**
 * The network carriers' series on a process's registry: per bind, whether it is bound and its
 * window in use (read from the carriers at scrape time); submits by command_status and
 * receipts by `stat`, counted as they happen.
 */
export function carrierMetrics(
  registry: Registry,
  statuses: () => readonly CarrierStatus[],
): CarrierObserver {
  const registers = [registry];
  new Gauge({
    name: 'loft_carrier_bind_up',
    help: 'Whether a carrier bind is bound (1) or not (0)',
    labelNames: ['carrier', 'bind', 'state'],
    registers,
    collect() {
      this.reset();
      for (const c of statuses()) {
        for (const b of c.binds) {
          this.set({ carrier: c.name, bind: b.id, state: b.state }, b.state === 'bound' ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: 'loft_carrier_window_in_use',
    help: 'Outstanding submit_sm per carrier bind',
    labelNames: ['carrier', 'bind'],
    registers,
    collect() {
      this.reset();
      for (const c of statuses()) {
        for (const b of c.binds) this.set({ carrier: c.name, bind: b.id }, b.windowInUse);
      }
    },
  });
  const submits = new Counter({
    name: 'loft_carrier_submits_total',
    help: 'Messages handed to a network carrier, by the outcome (ESME command_status, or retry)',
    labelNames: ['carrier', 'command_status'],
    registers,
  });
  const receipts = new Counter({
    name: 'loft_carrier_receipts_total',
    help: 'Delivery receipts from a network carrier, by stat (DELIVRD, UNDELIV, …)',
    labelNames: ['carrier', 'stat'],
    registers,
  });
  return {
    submitted: (carrier, result) =>
      submits.inc({ carrier, command_status: commandStatusOf(result) }),
    receipt: (r) => receipts.inc({ carrier: r.carrier, stat: r.stat }),
  };
}
