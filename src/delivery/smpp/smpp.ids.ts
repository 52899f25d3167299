import type { SmppCarrierConfig } from './smpp.types.js';

/**
 * Canonical message ids, so that a receipt matches its submit_sm_resp whichever way the SMSC
 * writes the id (the peers' "DLRMapNotFound"). The canonical form of a numeric id is the
 * lower-case hexadecimal of its value, without leading zeros ("0A1B" → "a1b", decimal "2587"
 * → "a1b"); an id that is not a number at all (a UUID, letters beyond f) is kept as written,
 * trimmed and lower-cased.
 *
 * How an id is read, per the carrier's `messageIdFormat`:
 * - `hex`: every id (submit_sm_resp, receipted_message_id, receipt text) is hexadecimal;
 * - `decimal`: every id is decimal;
 * - `auto`: an id with a letter a–f is hexadecimal; an all-digit id is decimal, until this
 *   carrier has shown a hex letter in any id: from then on all-digit ids are hexadecimal too.
 *   An SMSC that writes hex in one place and decimal in the other is only matched by `auto`
 *   while its ids contain letters; such SMSCs should be configured to one form.
 */
export class MessageIds {
  private sawHexLetters = false;

  constructor(private readonly format: SmppCarrierConfig['messageIdFormat']) {}

  /** The canonical form of an id as the SMSC wrote it. */
  canonical(raw: string): string {
    const id = raw.trim().toLowerCase().replace(/^0x/, '');
    if (id === '' || !/^[0-9a-f]+$/.test(id)) return id;
    const hasLetters = /[a-f]/.test(id);
    if (this.format === 'auto' && hasLetters) this.sawHexLetters = true;
    const hex =
      this.format === 'hex' ||
      (this.format === 'auto' && (hasLetters || this.sawHexLetters)) ||
      (this.format === 'decimal' && hasLetters);
    return (hex ? BigInt(`0x${id}`) : BigInt(id)).toString(16);
  }
}
