import pino from 'pino';

import { SmppBind } from './smpp.bind.js';
import { DeliverHandler } from './smpp.deliver.js';
import { MessageIds } from './smpp.ids.js';
import { DEFAULT_BACKOFF, sleep } from './smpp.pace.js';
import { BindPool } from './smpp.pool.js';
import { formatStatus, isThrottle, statusName } from './smpp.status.js';
import { buildSubmits } from './smpp.submit.js';
import type { Backoff } from './smpp.pace.js';
import type { SubmitPart } from './smpp.submit.js';
import type { SmppCarrierConfig } from './smpp.types.js';
import type { Submission } from '../carrier.js';
import type { NetworkCarrier, NetworkCarrierEvents, NetworkResult } from '../network.carrier.js';
import type { Clock } from '../../clock.js';

/** Dependencies of an SMPP carrier; `backoff` (default 1 s base, 60 s cap) is for tests. */
export interface SmppCarrierDeps {
  clock: Clock;
  logger?: pino.Logger;
  random?: () => number;
  backoff?: Backoff;
}

/** How often a later part of a message is retried on the same message while throttled. */
const MID_MESSAGE_THROTTLE_RETRIES = 5;

/**
 * An SMPP 3.4 client carrier (see docs in the README, "SMPP carriers"). Parts of one message are
 * submitted in order; many messages share the binds' windows concurrently.
 *
 * Outcomes of `send`:
 * - every part accepted: `ok` with each part's message_id in canonical form (`smpp.ids.ts`);
 *   with `longMessages: payload` one submit_sm carries the whole body, so `parts` has one id;
 * - ESME_RTHROTTLED / ESME_RMSGQFUL: the bind pauses (back-off) and the result is `retry` with
 *   `retryAt`; on a later part of a message, the part is retried in place (up to 5 times) so
 *   the earlier parts are not sent twice;
 * - no bind bound, or the session lost / the response timed out: `retry`. A timed-out part may
 *   have been accepted by the SMSC (at-least-once: it may go out twice), and on a retry of a
 *   multi-part message the parts accepted before are sent again;
 * - any other command_status: fails with `statusMap[name] ?? 30008` and the status's name. If
 *   earlier parts were accepted they stay sent: the handset may get a partial message.
 */
export function createSmppCarrier(
  config: SmppCarrierConfig,
  deps: SmppCarrierDeps,
): NetworkCarrier {
  const logger = (deps.logger ?? pino({ enabled: false })).child({
    subsystem: 'smpp',
    carrier: config.name,
  });
  const random = deps.random ?? Math.random;
  const ids = new MessageIds(config.messageIdFormat);
  const deliver = new DeliverHandler(config, ids, deps.clock, logger);
  const binds: SmppBind[] = [];
  const pool = new BindPool(binds, deps.clock);
  const bindDeps = {
    clock: deps.clock,
    random,
    logger,
    backoff: deps.backoff ?? DEFAULT_BACKOFF,
    onRequest: (pdu: Parameters<DeliverHandler['handle']>[0]) => deliver.handle(pdu),
    onChange: () => pool.changed(),
    onSlotFree: () => pool.slotFreed(),
  };
  const suffix = (i: number): string => (config.binds > 1 ? `-${i + 1}` : '');
  for (let i = 0; i < config.binds; i++) {
    if (config.bindMode === 'transceiver') {
      binds.push(new SmppBind(`transceiver${suffix(i)}`, 'bind_transceiver', config, bindDeps));
    } else {
      binds.push(new SmppBind(`transmitter${suffix(i)}`, 'bind_transmitter', config, bindDeps));
      binds.push(new SmppBind(`receiver${suffix(i)}`, 'bind_receiver', config, bindDeps));
    }
  }
  let ref = Math.floor(random() * 0x10000);

  async function submitPart(
    part: SubmitPart,
    index: number,
    signal?: AbortSignal,
  ): Promise<string | NetworkResult> {
    for (let attempt = 0; ; attempt++) {
      const slot = await pool.acquire(signal);
      if (!slot.bind) {
        const laterThrottle =
          slot.retryAt !== undefined && index > 0 && attempt < MID_MESSAGE_THROTTLE_RETRIES;
        if (laterThrottle && !signal?.aborted) {
          await sleep(Math.max(1, (slot.retryAt as number) - deps.clock.now()), signal);
          continue;
        }
        return {
          ok: false,
          retry: true,
          reason: slot.reason,
          ...(slot.retryAt !== undefined && { retryAt: slot.retryAt }),
        };
      }
      let resp;
      try {
        resp = await slot.bind.submit(part.fields, part.tlvs);
      } catch (error) {
        return { ok: false, retry: true, reason: (error as Error).message };
      }
      if (resp.status === 0 && resp.command === 'submit_sm_resp')
        return ids.canonical(resp.fields.messageId ?? '');
      if (!isThrottle(resp.status)) {
        const errorCode = config.statusMap[statusName(resp.status)] ?? 30008;
        return { ok: false, retry: false, errorCode, errorMessage: formatStatus(resp.status) };
      }
      const retryAt = slot.bind.throttled();
      logger.warn(
        { bind: slot.bind.id, commandStatus: formatStatus(resp.status) },
        'throttled by the SMSC',
      );
      if (index === 0 || attempt >= MID_MESSAGE_THROTTLE_RETRIES) {
        return { ok: false, retry: true, retryAt, reason: formatStatus(resp.status) };
      }
    }
  }

  return {
    name: config.name,
    kind: 'network',
    async send(submission: Submission, signal?: AbortSignal): Promise<NetworkResult> {
      ref = (ref + 1) & 0xffff;
      const parts = buildSubmits(submission, config, ref);
      const messageIds: string[] = [];
      for (const [index, part] of parts.entries()) {
        const result = await submitPart(part, index, signal);
        if (typeof result !== 'string') return result;
        messageIds.push(result);
      }
      return { ok: true, parts: messageIds };
    },
    attach(events: NetworkCarrierEvents): void {
      deliver.events = events;
    },
    start(): void {
      for (const bind of binds) bind.start();
    },
    async close(timeoutMs = 5000): Promise<void> {
      await Promise.all(binds.map((b) => b.close(timeoutMs)));
    },
    ready(): boolean {
      return binds.some((b) => b.transmits && b.state === 'bound');
    },
    status() {
      return { name: config.name, type: 'smpp', binds: binds.map((b) => b.status()) };
    },
  };
}
