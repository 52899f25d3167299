import { BindRefusedError, SmppSession } from './smpp.session.js';
import { fullJitter, sleep, TokenBucket } from './smpp.pace.js';
import { formatStatus, isCredentialsError } from './smpp.status.js';
import type { Backoff } from './smpp.pace.js';
import type { SessionOptions } from './smpp.session.js';
import type { Pdu, PduFields, Tlv } from './smpp.pdu.js';
import type { SmppCarrierConfig } from './smpp.types.js';
import type { BindStatus } from '../network.carrier.js';
import type { Clock } from '../../clock.js';
import type { Logger } from 'pino';

/** What a bind needs besides its configuration. */
export interface BindDeps {
  clock: Clock;
  random: () => number;
  logger: Logger;
  backoff: Backoff;
  onRequest: SessionOptions['onRequest'];
  /** Called when the bind's state changes or a throttle pause ends (wakes every waiting sender). */
  onChange(): void;
  /** Called when a window slot frees (wakes one waiting sender). */
  onSlotFree(): void;
}

/**
 * One bind of a carrier: keeps a session open, reconnecting with exponential back-off and full
 * jitter (reset after a good bind; a refused bind retries at the cap and logs an error), and
 * holds its send window (outstanding submit_sm), throughput bucket and throttle pause.
 */
export class SmppBind {
  state: BindStatus['state'] = 'connecting';
  since: number;
  lastError: string | undefined;
  /** Submit slots taken (outstanding submit_sm, or about to be). */
  inUse = 0;
  /** No submit before this time (ms since epoch): the SMSC said it was throttling. */
  pausedUntil = 0;
  private throttles = 0;
  private session: SmppSession | undefined;
  private closing = false;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;
  private readonly bucket: TokenBucket;
  private readonly log: Logger;

  constructor(
    readonly id: string,
    readonly bindCommand: SessionOptions['bindCommand'],
    private readonly config: SmppCarrierConfig,
    private readonly deps: BindDeps,
  ) {
    this.since = deps.clock.now();
    this.bucket = new TokenBucket(config.throughput, deps.clock);
    this.log = deps.logger.child({ bind: id });
  }

  /** Whether this bind sends submit_sm (a receiver does not). */
  get transmits(): boolean {
    return this.bindCommand !== 'bind_receiver';
  }

  /** Bound, transmitting, not paused, with a free window slot. */
  available(now: number): boolean {
    return (
      this.transmits &&
      this.state === 'bound' &&
      this.inUse < this.config.window &&
      now >= this.pausedUntil
    );
  }

  /** The state for `status()`. */
  status(): BindStatus {
    const s: BindStatus = {
      id: this.id,
      state: this.state,
      windowInUse: this.inUse,
      window: this.config.window,
      since: this.since,
    };
    if (this.lastError !== undefined) s.lastError = this.lastError;
    return s;
  }

  /** Starts the connect / reconnect loop in the background. */
  start(): void {
    this.running ??= this.run();
  }

  /**
   * Sends one submit_sm on a slot the caller took (`inUse` already counted): waits for a
   * throughput token, then the response. Rejects on timeout or a lost session.
   */
  async submit(fields: PduFields, tlvs: Tlv[]): Promise<Pdu> {
    try {
      for (let wait = this.bucket.take(); wait > 0; wait = this.bucket.take()) await sleep(wait);
      if (!this.session) throw new Error('bind lost before the submit');
      const resp = await this.session.request('submit_sm', fields, tlvs);
      if (resp.status === 0) this.throttles = 0;
      return resp;
    } finally {
      this.inUse--;
      this.deps.onSlotFree();
    }
  }

  /** The SMSC throttled: pause this bind, longer for each throttle in a row. */
  throttled(): number {
    const delay = Math.max(
      1,
      fullJitter(this.throttles++, this.deps.backoff, () => 0.5 + this.deps.random() / 2),
    );
    this.pausedUntil = Math.max(this.pausedUntil, this.deps.clock.now() + delay);
    setTimeout(() => this.deps.onChange(), delay).unref();
    return this.pausedUntil;
  }

  /** Unbinds (waiting at most `timeoutMs`) and stops reconnecting. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.stop.abort();
    await this.session?.unbind(timeoutMs);
    // A bind still connecting gives up within its own timeout; close does not wait beyond ours.
    await Promise.race([this.running, sleep(timeoutMs)]);
    this.setState('closed');
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closing) {
      let delay: number;
      try {
        const session = await SmppSession.open({
          config: this.config,
          bindCommand: this.bindCommand,
          onRequest: this.deps.onRequest,
        });
        if (this.closing) {
          await session.unbind(this.config.responseTimeoutMs);
          break;
        }
        this.session = session;
        attempt = 0;
        this.lastError = undefined;
        this.setState('bound');
        this.log.info('bound');
        const reason = await session.closed;
        this.session = undefined;
        if (this.closing) break;
        this.log.warn({ reason }, 'reconnecting');
        this.setState('reconnecting');
        delay = fullJitter(attempt++, this.deps.backoff, this.deps.random);
      } catch (error) {
        if (this.closing) break;
        if (error instanceof BindRefusedError) {
          this.lastError = formatStatus(error.status);
          this.setState('refused');
          this.log.error({ commandStatus: this.lastError }, 'bind refused');
          const cap = this.deps.backoff.capMs;
          delay = isCredentialsError(error.status)
            ? Math.floor(cap / 2 + (this.deps.random() * cap) / 2)
            : fullJitter(attempt++, this.deps.backoff, this.deps.random);
        } else {
          this.lastError = (error as Error).message;
          this.log.warn({ reason: this.lastError }, 'reconnecting');
          this.setState('reconnecting');
          delay = fullJitter(attempt++, this.deps.backoff, this.deps.random);
        }
      }
      await sleep(delay, this.stop.signal);
    }
    if (this.state === 'bound') this.log.info('unbound');
  }

  private setState(state: BindStatus['state']): void {
    if (state === this.state) return;
    this.state = state;
    this.since = this.deps.clock.now();
    this.deps.onChange();
  }
}
