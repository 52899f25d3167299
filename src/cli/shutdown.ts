import type { Loggers } from '../log/loggers.js';
import type { Pipeline } from '../delivery/pipeline.js';

/** A process that can stop gracefully: `loft serve` or `loft worker`. */
export interface Stoppable {
  loggers: Loggers;
  delivery: { pipeline: Pick<Pipeline, 'busy'> };
  /** Stops accepting, lets work in flight finish (or gives back its leases), closes the store. */
  close(): Promise<void>;
}

/** Exit codes of a shutdown: done in time, or cut short by SHUTDOWN_TIMEOUT (or a failure). */
export const SHUTDOWN_EXIT = { done: 0, forced: 1 } as const;

/**
 * Graceful shutdown on SIGTERM and SIGINT: `close()` within `timeoutMs` (SHUTDOWN_TIMEOUT),
 * then exit 0; past it, or if closing fails, exit 1 with an error line (jobs still running then
 * keep their leases until they run out, and another process, or this one restarted, takes them).
 * A second signal while stopping changes nothing.
 */
export function stopOnSignals(target: Stoppable, timeoutMs: number): void {
  const log = target.loggers.root;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    log.info({ signal, timeoutMs, jobsInFlight: target.delivery.pipeline.busy() }, 'stopping');
    const timer = setTimeout(() => {
      log.error(
        { timeoutMs, jobsInFlight: target.delivery.pipeline.busy() },
        'shutdown timed out (SHUTDOWN_TIMEOUT): exiting with work in flight; its leases run out and it is run again',
      );
      process.exit(SHUTDOWN_EXIT.forced);
    }, timeoutMs);
    target.close().then(
      () => {
        clearTimeout(timer);
        log.info({ ms: Math.round(performance.now() - started) }, 'stopped');
        process.exit(SHUTDOWN_EXIT.done);
      },
      (err: unknown) => {
        clearTimeout(timer);
        log.error({ err }, 'shutdown failed');
        process.exit(SHUTDOWN_EXIT.forced);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
