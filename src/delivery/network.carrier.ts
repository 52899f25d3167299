import type { Submission } from './carrier.js';

/**
 * The contract between Loft's delivery pipeline and a carrier reached over a network (SMPP):
 * unlike the simulator, whose `submit` writes into Loft's own store inside the dispatch
 * transaction, a network carrier is called outside any transaction (no transaction is held
 * open across a round trip). The pipeline records `sending` first, then calls `send`, then
 * records the result; a crash in between re-sends on retake (at-least-once, see the README).
 */
export interface NetworkCarrier {
  readonly name: string;
  readonly kind: 'network';
  /**
   * Sends one message (all of its parts) and resolves once the SMSC answered every part.
   * Never rejects: every outcome is a {@link NetworkResult}. `signal` aborts waiting for a
   * window slot or a bind (the result is then `retry`).
   */
  send(submission: Submission, signal?: AbortSignal): Promise<NetworkResult>;
  /** Connects receipts and inbound traffic (called once, before `start`). */
  attach(events: NetworkCarrierEvents): void;
  /** Opens the binds (returns at once; binds connect and reconnect in the background). */
  start(): void;
  /** Unbinds every session and closes its sockets (waits at most `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
  /** Whether at least one bind can submit now. */
  ready(): boolean;
  /** The binds' states, for `GET /loft/v1/Carriers`, logs and metrics. */
  status(): CarrierStatus;
}

/** What became of one message handed to {@link NetworkCarrier.send}. */
export type NetworkResult =
  | {
      ok: true;
      /** The SMSC's message_id of each part, in part order, normalised by the carrier's format. */
      parts: string[];
    }
  | {
      /** Not sent now (no bind, throttled, window timed out): the message stays queued. */
      ok: false;
      retry: true;
      /** When to try again at the earliest (ms since epoch); the pipeline may add back-off. */
      retryAt?: number;
      reason: string;
    }
  | {
      /** Refused by the SMSC (or invalid): the message fails with this Twilio error. */
      ok: false;
      retry: false;
      errorCode: number;
      /** Names the ESME command_status, e.g. "ESME_RINVDSTADR (0x0000000B)". */
      errorMessage: string;
    };

/** A delivery receipt for one part, matched by the SMSC's message_id. */
export interface PartReceipt {
  carrier: string;
  /** The part's message_id, normalised exactly as `NetworkResult.parts` are. */
  messageId: string;
  /** Loft's reading of the receipt's `stat` (the carrier's errorMap applied). */
  status: 'sent' | 'delivered' | 'undelivered' | 'failed';
  errorCode?: number;
  errorMessage?: string;
  /** The receipt's `stat` as the SMSC wrote it (DELIVRD, UNDELIV, …), for metrics and logs. */
  stat: string;
  /** When the SMSC says it was done (its `done date`), else when the receipt came. */
  doneAt: number;
}

/** How a network carrier hands receipts and handset messages back to Loft. */
export interface NetworkCarrierEvents {
  /**
   * A receipt for one part. Resolves once it is durable (recorded, or applied to its message),
   * so the carrier answers deliver_sm only after that; a receipt for an id not yet known (it
   * came before the submit_sm_resp was recorded) is kept and matched when the part is.
   */
  receipt(receipt: PartReceipt): Promise<void>;
  /** A handset's message, reassembled and decoded: enters through the one ingest path. */
  inbound(message: { carrier: string; from: string; to: string; body: string }): Promise<void>;
}

/** The state of one carrier's binds. */
export interface CarrierStatus {
  name: string;
  type: 'smpp';
  binds: BindStatus[];
}

/** The state of one bind (one SMPP session). */
export interface BindStatus {
  /** `transceiver`, `transmitter` or `receiver`, with an index when there are several. */
  id: string;
  state: 'connecting' | 'bound' | 'reconnecting' | 'refused' | 'closed';
  /** The bind_resp's command_status when refused, e.g. "ESME_RINVPASWD (0x0000000E)". */
  lastError?: string;
  /** Outstanding submit_sm. */
  windowInUse: number;
  window: number;
  /** When the current state began (ms since epoch). */
  since: number;
}
