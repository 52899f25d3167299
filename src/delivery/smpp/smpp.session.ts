import net from 'node:net';
import tls from 'node:tls';

import type { PduError } from './smpp.codec.js';
import { decodePdu, encodePdu } from './smpp.codec.js';
import { FramingError, PduFramer } from './smpp.framer.js';
import { isResponse, responseOf } from './smpp.pdu.js';
import { COMMAND_STATUS, formatStatus } from './smpp.status.js';
import type { Command, Pdu, PduFields, Tlv } from './smpp.pdu.js';
import type { SmppCarrierConfig } from './smpp.types.js';

/** The bind_resp refused the bind; `status` is its command_status. */
export class BindRefusedError extends Error {
  constructor(readonly status: number) {
    super(`bind refused: ${formatStatus(status)}`);
    this.name = 'BindRefusedError';
  }
}

/** No response PDU came within responseTimeoutMs. */
export class ResponseTimeoutError extends Error {
  constructor(command: Command) {
    super(`no ${command}_resp within the response timeout`);
    this.name = 'ResponseTimeoutError';
  }
}

/** The answer to a request from the SMSC (deliver_sm, data_sm): command_status and fields. */
export interface SessionAnswer {
  status: number;
  fields?: PduFields;
}

/** What a session needs: where, who, how long to wait, and what to do with SMSC requests. */
export interface SessionOptions {
  config: Pick<
    SmppCarrierConfig,
    | 'host'
    | 'port'
    | 'tls'
    | 'systemId'
    | 'password'
    | 'systemType'
    | 'responseTimeoutMs'
    | 'enquireLinkSeconds'
  >;
  bindCommand: 'bind_transceiver' | 'bind_transmitter' | 'bind_receiver';
  /** deliver_sm / data_sm from the SMSC; the response is sent when this resolves. */
  onRequest(pdu: Pdu): Promise<SessionAnswer>;
}

interface Pending {
  command: Command;
  resolve(pdu: Pdu): void;
  reject(error: Error): void;
  /** When the response is overdue (ms, performance.now()). */
  deadline: number;
}

/**
 * One SMPP session: a TCP (or TLS) connection, bound with one bind command. It numbers its
 * requests, times out each response, sends enquire_link every enquireLinkSeconds (closing the
 * connection when one goes unanswered), answers the SMSC's enquire_link and unbind, and hands
 * deliver_sm / data_sm to `onRequest`. `closed` resolves, with a reason, once the socket is gone.
 */
export class SmppSession {
  /** Resolves with the reason when the connection ends (never rejects). */
  readonly closed: Promise<string>;
  private readonly framer = new PduFramer();
  private readonly pending = new Map<number, Pending>();
  private sequence = 0;
  private enquireTimer: NodeJS.Timeout | undefined;
  /** One timer sweeps overdue responses (a timer per request costs a third of the throughput). */
  private readonly sweeper: NodeJS.Timeout;
  private closeReason: string | undefined;
  private corked = false;
  private markClosed!: (reason: string) => void;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: SessionOptions,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.destroy(error.message));
    socket.on('close', () => this.destroy('connection closed by the SMSC'));
    const timeout = options.config.responseTimeoutMs;
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(1000, timeout / 10)));
    this.sweeper.unref();
  }

  /** Rejects requests whose response is overdue (the map is in deadline order: one timeout). */
  private sweep(): void {
    const now = performance.now();
    for (const [sequence, p] of this.pending) {
      if (p.deadline > now) return;
      this.pending.delete(sequence);
      p.reject(new ResponseTimeoutError(p.command));
    }
  }

  /** Connects and binds; rejects with {@link BindRefusedError} or a connection error. */
  static async open(options: SessionOptions): Promise<SmppSession> {
    const { config } = options;
    const socket = await connect(config);
    const session = new SmppSession(socket, options);
    const resp = await session.request(options.bindCommand, {
      systemId: config.systemId,
      password: config.password,
      systemType: config.systemType,
      interfaceVersion: 0x34,
    });
    if (resp.status !== COMMAND_STATUS.ESME_ROK || resp.command === 'generic_nack') {
      session.destroy('bind refused');
      throw new BindRefusedError(resp.status === 0 ? COMMAND_STATUS.ESME_RBINDFAIL : resp.status);
    }
    session.startEnquireLink();
    return session;
  }

  /** Requests waiting for their response. */
  get outstanding(): number {
    return this.pending.size;
  }

  /**
   * Sends a request and resolves with its response (a generic_nack counts as one); rejects with
   * {@link ResponseTimeoutError} or when the connection closes first.
   */
  request(command: Command, fields: PduFields, tlvs: Tlv[] = []): Promise<Pdu> {
    if (this.closeReason !== undefined)
      return Promise.reject(new Error(`session closed: ${this.closeReason}`));
    this.sequence = this.sequence >= 0x7fffffff ? 1 : this.sequence + 1;
    const sequence = this.sequence;
    const deadline = performance.now() + this.options.config.responseTimeoutMs;
    return new Promise<Pdu>((resolve, reject) => {
      this.pending.set(sequence, { command, resolve, reject, deadline });
      this.write({ command, status: 0, sequence, fields, tlvs });
    });
  }

  /** Sends unbind, waits for unbind_resp (at most `timeoutMs`), then closes the socket. */
  async unbind(timeoutMs: number): Promise<void> {
    if (this.closeReason === undefined) {
      const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([this.request('unbind', {}).catch(() => undefined), timeout]);
    }
    this.destroy('unbound');
    await this.closed;
  }

  /** Closes the connection at once; pending requests reject. */
  destroy(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    clearInterval(this.enquireTimer);
    clearInterval(this.sweeper);
    for (const [sequence, p] of this.pending) {
      this.pending.delete(sequence);
      p.reject(new Error(`session closed: ${reason}`));
    }
    if (this.corked) this.socket.uncork(); // the last PDUs (a generic_nack, an unbind_resp) go out
    this.socket.destroy();
    this.markClosed(reason);
  }

  private startEnquireLink(): void {
    const every = this.options.config.enquireLinkSeconds * 1000;
    if (every <= 0) return;
    this.enquireTimer = setInterval(() => {
      this.request('enquire_link', {}).catch((error: Error) => {
        if (error instanceof ResponseTimeoutError) this.destroy('enquire_link unanswered');
      });
    }, every);
    this.enquireTimer.unref();
  }

  /** Writes a PDU; PDUs written in the same tick go out in one system call (cork/uncork). */
  private write(pdu: Pdu): void {
    if (this.closeReason !== undefined) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodePdu(pdu));
  }

  private answer(request: Pdu, status: number, fields: PduFields = {}): void {
    this.write({
      command: responseOf(request.command),
      status,
      sequence: request.sequence,
      fields,
      tlvs: [],
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (error) {
      const sequence = error instanceof FramingError ? error.sequence : 0;
      this.write({
        command: 'generic_nack',
        status: COMMAND_STATUS.ESME_RINVCMDLEN,
        sequence,
        fields: {},
        tlvs: [],
      });
      this.destroy(`framing error: ${(error as Error).message}`);
      return;
    }
    for (const frame of frames) {
      let pdu: Pdu;
      try {
        pdu = decodePdu(frame);
      } catch (error) {
        const e = error as PduError;
        this.write({
          command: 'generic_nack',
          status: e.status,
          sequence: e.sequence,
          fields: {},
          tlvs: [],
        });
        continue;
      }
      this.onPdu(pdu);
    }
  }

  private onPdu(pdu: Pdu): void {
    if (isResponse(pdu.command)) {
      const p = this.pending.get(pdu.sequence);
      if (!p) return; // a late response after its timeout
      this.pending.delete(pdu.sequence);
      p.resolve(pdu);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        return this.answer(pdu, COMMAND_STATUS.ESME_ROK);
      case 'unbind':
        this.answer(pdu, COMMAND_STATUS.ESME_ROK);
        this.socket.end();
        return this.destroy('unbind from the SMSC');
      case 'deliver_sm':
      case 'data_sm':
        void this.options.onRequest(pdu).then(
          (a) => this.answer(pdu, a.status, a.fields),
          () => this.answer(pdu, COMMAND_STATUS.ESME_RX_T_APPN),
        );
        return;
      default:
        this.write({
          command: 'generic_nack',
          status: COMMAND_STATUS.ESME_RINVCMDID,
          sequence: pdu.sequence,
          fields: {},
          tlvs: [],
        });
    }
  }
}

function connect(config: SessionOptions['config']): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = config.tls
      ? tls.connect({ host: config.host, port: config.port, ...config.tls })
      : net.connect({ host: config.host, port: config.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${config.host}:${config.port} timed out`));
    }, config.responseTimeoutMs);
    socket.once(config.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
