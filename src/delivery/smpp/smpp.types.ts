/**
 * One entry of `CARRIERS` of type `smpp`, as validated at start-up (defaults applied).
 * Shared by the configuration parser (`carriers.config.ts`) and the SMPP carrier.
 */
export interface SmppCarrierConfig {
  name: string;
  type: 'smpp';
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  bindMode: 'transceiver' | 'transmitter+receiver';
  /** Binds (sessions, or transmitter+receiver pairs) opened to this SMSC; default 1. */
  binds: number;
  /** TLS options; absent for plain TCP. */
  tls?: { rejectUnauthorized: boolean; servername?: string; ca?: string };
  /** Outstanding submit_sm per bind; default 10. */
  window: number;
  /** submit_sm per second per bind; 0 = unlimited (default). */
  throughput: number;
  /** Default 30. */
  enquireLinkSeconds: number;
  /** How long to wait for any response PDU; default 10 000 ms. */
  responseTimeoutMs: number;
  /** TON/NPI of a source address that is E.164 (+…); an alphanumeric sender uses 5/0. */
  sourceTon: number;
  sourceNpi: number;
  /** How this SMSC writes message_id in submit_sm_resp and receipts; default `auto`. */
  messageIdFormat: 'hex' | 'decimal' | 'auto';
  /** How messages longer than one segment are sent; default `udh`. */
  longMessages: 'udh' | 'sar' | 'payload';
  /** Overrides of the receipt `stat`/`err` → Twilio table (see `smpp.receipts.ts`). */
  errorMap: Record<string, number>;
  /** Overrides of command_status → Twilio error code for refused submits (default 30008). */
  statusMap: Record<string, number>;
}
