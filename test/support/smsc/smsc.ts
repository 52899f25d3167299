import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

import { decodePdu, encodePdu } from '../../../src/delivery/smpp/smpp.codec.js';
import { PduFramer } from '../../../src/delivery/smpp/smpp.framer.js';
import { isResponse, responseOf } from '../../../src/delivery/smpp/smpp.pdu.js';
import { TLV_TAG, cstringTlv, uintTlv } from '../../../src/delivery/smpp/smpp.tlv.js';
import type { Command, Pdu, PduFields, Tlv } from '../../../src/delivery/smpp/smpp.pdu.js';

/**
 * Faults the test SMSC injects; tests change them between steps. Counters count down as they
 * are used.
 */
export interface SmscFaults {
  /** Refuse every bind with this command_status. */
  refuseBind?: number;
  /** Answer the next N submit_sm with ESME_RTHROTTLED (0x58). */
  throttle?: number;
  /** Answer the next `times` submit_sm with part number `seq` (UDH/sar, 1-based) with `status`. */
  failPart?: { seq: number; status: number; times: number };
  /** Answer every submit_sm with this status. */
  failAll?: number;
  /** Delay every submit_sm_resp by this many ms. */
  delayMs?: number;
  /** Never answer the next N submit_sm. */
  dropResponses?: number;
  /** Close the connection after receiving this many more submit_sm (mid-window). */
  dropAfterSubmits?: number;
  /** Never answer enquire_link. */
  ignoreEnquireLink?: boolean;
}

/** What the SMSC does with accepted messages. */
export interface SmscBehaviour {
  /** How message_id is written in submit_sm_resp (and receipted_message_id). */
  idFormat: 'hex' | 'decimal';
  /** How the receipt text writes `id:` (default: as idFormat). */
  receiptIdFormat?: 'hex' | 'decimal';
  /** Send a receipt with this stat for every accepted submit_sm (undefined: none). */
  receiptStat?: string;
  receiptErr?: string;
  /** Also send the receipted_message_id TLV. */
  receiptTlv?: boolean;
  /** Send the receipt BEFORE the submit_sm_resp. */
  receiptFirst?: boolean;
}

interface Conn {
  socket: net.Socket;
  bound?: Command;
  outstanding: number;
  seq: number;
  pending: Map<number, (pdu: Pdu) => void>;
}

/** An in-process SMSC speaking Loft's own codec, with fault injection (tests only). */
export class TestSmsc {
  readonly submits: Pdu[] = [];
  readonly receiptsAcked: Pdu[] = [];
  /** generic_nack PDUs the client sent. */
  readonly nacks: Pdu[] = [];
  faults: SmscFaults = {};
  behaviour: SmscBehaviour = { idFormat: 'hex' };
  /** Highest number of submit_sm outstanding (received, not yet answered) on one connection. */
  maxOutstanding = 0;
  bindCount = 0;
  bindAttempts = 0;
  enquireLinks = 0;
  unbinds = 0;
  private nextId = 0x3e8;
  private readonly conns = new Set<Conn>();

  private constructor(private readonly server: net.Server) {
    server.on(
      server instanceof tls.Server ? 'secureConnection' : 'connection',
      (socket: net.Socket) => this.accept(socket),
    );
  }

  /** Starts an SMSC on a free port of 127.0.0.1 (over TLS with the test certificate if asked). */
  static async start(options: { tls?: boolean } = {}): Promise<TestSmsc> {
    const server = options.tls
      ? tls.createServer({
          cert: readFileSync(TLS_CERT),
          key: readFileSync(new URL('./tls/key.pem', import.meta.url)),
        })
      : net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TestSmsc(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Connections currently bound. */
  get bound(): number {
    return [...this.conns].filter((c) => c.bound).length;
  }

  /** Closes every connection abruptly (no unbind). */
  dropAll(): void {
    for (const c of this.conns) c.socket.destroy();
  }

  /** Writes raw octets to every connection (malformed PDUs). */
  writeRaw(bytes: Buffer): void {
    for (const c of this.conns) c.socket.write(bytes);
  }

  /** Sends unbind to every bound connection. */
  unbindAll(): void {
    // The unbind_resp is not waited for (send() never rejects).
    for (const c of this.conns) if (c.bound) void this.send(c, 'unbind', {});
  }

  /** Sends a deliver_sm to a bound receiver/transceiver; resolves with its response. */
  deliver(fields: PduFields, tlvs: Tlv[] = [], command: Command = 'deliver_sm'): Promise<Pdu> {
    const conn = [...this.conns].find(
      (c) => c.bound === 'bind_transceiver' || c.bound === 'bind_receiver',
    );
    if (!conn) return Promise.reject(new Error('no receiver bound'));
    return this.send(conn, command, fields, tlvs);
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Formats an id as the behaviour says (hex upper-case with leading zeros, or decimal). */
  formatId(id: number, format: 'hex' | 'decimal'): string {
    return format === 'hex' ? id.toString(16).toUpperCase().padStart(8, '0') : String(id);
  }

  private accept(socket: net.Socket): void {
    const conn: Conn = { socket, outstanding: 0, seq: 0, pending: new Map() };
    this.conns.add(conn);
    const framer = new PduFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) this.onPdu(conn, decodePdu(frame));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.conns.delete(conn));
  }

  private send(conn: Conn, command: Command, fields: PduFields, tlvs: Tlv[] = []): Promise<Pdu> {
    const sequence = ++conn.seq;
    conn.socket.write(encodePdu({ command, status: 0, sequence, fields, tlvs }));
    return new Promise((resolve) => conn.pending.set(sequence, resolve));
  }

  private answer(conn: Conn, pdu: Pdu, status: number, fields: PduFields = {}): void {
    if (conn.socket.destroyed) return;
    conn.socket.write(
      encodePdu({
        command: responseOf(pdu.command),
        status,
        sequence: pdu.sequence,
        fields,
        tlvs: [],
      }),
    );
  }

  private onPdu(conn: Conn, pdu: Pdu): void {
    if (pdu.command === 'generic_nack') this.nacks.push(pdu);
    if (isResponse(pdu.command)) {
      conn.pending.get(pdu.sequence)?.(pdu);
      conn.pending.delete(pdu.sequence);
      return;
    }
    switch (pdu.command) {
      case 'bind_transceiver':
      case 'bind_transmitter':
      case 'bind_receiver':
        this.bindAttempts++;
        if (this.faults.refuseBind !== undefined)
          return this.answer(conn, pdu, this.faults.refuseBind);
        conn.bound = pdu.command;
        this.bindCount++;
        return this.answer(conn, pdu, 0, { systemId: 'TESTSMSC' });
      case 'enquire_link':
        this.enquireLinks++;
        if (!this.faults.ignoreEnquireLink) this.answer(conn, pdu, 0);
        return;
      case 'unbind':
        this.unbinds++;
        this.answer(conn, pdu, 0);
        conn.socket.end();
        return;
      case 'submit_sm':
        return this.onSubmit(conn, pdu);
      default:
        this.answer(conn, pdu, 0x03);
    }
  }

  private onSubmit(conn: Conn, pdu: Pdu): void {
    this.submits.push(pdu);
    conn.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, conn.outstanding);
    const f = this.faults;
    if (f.dropAfterSubmits !== undefined && --f.dropAfterSubmits <= 0) {
      f.dropAfterSubmits = undefined;
      conn.socket.destroy();
      return;
    }
    if (f.dropResponses) {
      f.dropResponses--;
      return;
    }
    let status = f.failAll ?? 0;
    if (f.throttle) {
      f.throttle--;
      status = 0x58;
    }
    if (f.failPart && f.failPart.times > 0 && partNumber(pdu) === f.failPart.seq) {
      f.failPart.times--;
      status = f.failPart.status;
    }
    const respond = (): void => {
      conn.outstanding--;
      if (status !== 0) return this.answer(conn, pdu, status);
      const id = this.nextId++;
      const b = this.behaviour;
      if (b.receiptStat && b.receiptFirst) void this.receipt(conn, id);
      this.answer(conn, pdu, 0, { messageId: this.formatId(id, b.idFormat) });
      if (b.receiptStat && !b.receiptFirst) void this.receipt(conn, id);
    };
    if (f.delayMs) setTimeout(respond, f.delayMs);
    else respond();
  }

  private async receipt(conn: Conn, id: number): Promise<void> {
    const b = this.behaviour;
    const textId = this.formatId(id, b.receiptIdFormat ?? b.idFormat);
    const text = `id:${textId} sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:${b.receiptStat} err:${b.receiptErr ?? '000'} text:`;
    const tlvs = b.receiptTlv
      ? [
          cstringTlv(TLV_TAG.receipted_message_id, this.formatId(id, b.idFormat)),
          uintTlv(TLV_TAG.message_state, 2, 1),
        ]
      : [];
    const target =
      [...this.conns].find((c) => c.bound === 'bind_transceiver' || c.bound === 'bind_receiver') ??
      conn;
    const resp = await this.send(
      target,
      'deliver_sm',
      { esmClass: 0x04, shortMessage: Buffer.from(text, 'latin1') },
      tlvs,
    );
    this.receiptsAcked.push(resp);
  }
}

/** The test SMSC's self-signed certificate (PEM path), for clients to trust. */
export const TLS_CERT = new URL('./tls/cert.pem', import.meta.url);

/** The part number of a submit_sm (UDH or sar), 1 for a single message. */
export function partNumber(pdu: Pdu): number {
  const sm = pdu.fields.shortMessage ?? Buffer.alloc(0);
  if (((pdu.fields.esmClass ?? 0) & 0x40) !== 0) return sm[5] ?? 1;
  const sar = pdu.tlvs.find((t) => t.tag === TLV_TAG.sar_segment_seqnum);
  return sar ? (sar.value[0] ?? 1) : 1;
}
