import { loftAddress } from './smpp.address.js';
import { MoReassembler, readMoPart } from './smpp.mo.js';
import { isReceipt, readReceipt } from './smpp.receipts.js';
import { COMMAND_STATUS } from './smpp.status.js';
import { TLV_TAG, findTlv } from './smpp.tlv.js';
import type { MessageIds } from './smpp.ids.js';
import type { Pdu } from './smpp.pdu.js';
import type { SessionAnswer } from './smpp.session.js';
import type { SmppCarrierConfig } from './smpp.types.js';
import type { NetworkCarrierEvents } from '../network.carrier.js';
import type { Clock } from '../../clock.js';
import type { Logger } from 'pino';

/**
 * Handles the SMSC's deliver_sm and data_sm: a receipt (esm_class 0x04) goes to
 * `events.receipt`, anything else is a handset's message (reassembled, decoded) for
 * `events.inbound`. The answer is ESME_ROK only once the event resolved; when it fails (or no
 * events are attached yet) the answer is ESME_RX_T_APPN, so the SMSC delivers it again.
 */
export class DeliverHandler {
  events: NetworkCarrierEvents | undefined;
  private readonly mo: MoReassembler;

  constructor(
    private readonly config: Pick<SmppCarrierConfig, 'name' | 'errorMap'>,
    private readonly ids: MessageIds,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.mo = new MoReassembler((key, got, total) =>
      log.warn({ key, got, total }, 'dropped an incomplete multi-part inbound message'),
    );
  }

  /** Answers one deliver_sm / data_sm. */
  async handle(pdu: Pdu): Promise<SessionAnswer> {
    const events = this.events;
    if (!events) return { status: COMMAND_STATUS.ESME_RX_T_APPN };
    try {
      if (isReceipt(pdu.fields.esmClass ?? 0)) await this.receipt(pdu, events);
      else await this.inbound(pdu, events);
      return { status: COMMAND_STATUS.ESME_ROK, fields: { messageId: '' } };
    } catch (error) {
      this.log.warn({ err: error }, `${pdu.command} not accepted; the SMSC will retry`);
      return { status: COMMAND_STATUS.ESME_RX_T_APPN };
    }
  }

  private async receipt(pdu: Pdu, events: NetworkCarrierEvents): Promise<void> {
    const octets =
      findTlv(pdu.tlvs, TLV_TAG.message_payload) ?? pdu.fields.shortMessage ?? Buffer.alloc(0);
    const reading = readReceipt(
      octets.toString('latin1'),
      pdu.tlvs,
      this.config.errorMap,
      this.clock.now(),
    );
    if (!reading) {
      // Unanswerable: acknowledge it, or the SMSC would redeliver it forever.
      this.log.warn({ text: octets.toString('latin1') }, 'receipt without a message id ignored');
      return;
    }
    const { rawId, ...rest } = reading;
    await events.receipt({
      carrier: this.config.name,
      messageId: this.ids.canonical(rawId),
      ...rest,
    });
  }

  private async inbound(pdu: Pdu, events: NetworkCarrierEvents): Promise<void> {
    const from = loftAddress(pdu.fields.sourceAddrTon ?? 0, pdu.fields.sourceAddr ?? '');
    const to = loftAddress(pdu.fields.destAddrTon ?? 0, pdu.fields.destinationAddr ?? '');
    const done = this.mo.add(readMoPart(pdu, from, to), this.clock.now());
    if (!done) return;
    await events.inbound({ carrier: this.config.name, from, to, body: done.body });
    done.commit();
  }
}
