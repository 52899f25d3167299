import type { SmppCarrierConfig } from './smpp.types.js';

/** An SMPP address: TON, NPI and the digits (or name) without '+'. */
export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

/** TON values (SMPP 3.4 §5.2.5). */
export const TON = { unknown: 0, international: 1, national: 2, network: 3, alphanumeric: 5 };

/**
 * The source address of a submit_sm: E.164 (`+…`) uses the carrier's sourceTon/sourceNpi
 * (default 1/1) without the '+'; a short code (digits only) is sent as TON 3 (network
 * specific) / NPI 0, how SMSCs usually expect short codes; anything else is an alphanumeric
 * sender ID (TON 5 / NPI 0); no sender at all is an empty address (0/0).
 */
export function sourceAddress(
  from: string | null,
  config: Pick<SmppCarrierConfig, 'sourceTon' | 'sourceNpi'>,
): SmppAddress {
  if (from === null || from === '') return { ton: TON.unknown, npi: 0, addr: '' };
  if (/^\+\d+$/.test(from))
    return { ton: config.sourceTon, npi: config.sourceNpi, addr: from.slice(1) };
  if (/^\d+$/.test(from)) return { ton: TON.network, npi: 0, addr: from };
  return { ton: TON.alphanumeric, npi: 0, addr: from };
}

/** The destination of a submit_sm: international / ISDN (1/1), without the '+'. */
export function destinationAddress(to: string): SmppAddress {
  return { ton: TON.international, npi: 1, addr: to.replace(/^\+/, '') };
}

/**
 * A handset's address as Loft writes it: '+' + digits when the TON is international (or the
 * TON is unknown and the address is all digits of E.164 length, as many SMSCs send MO), else
 * as the SMSC wrote it (short codes, alphanumeric senders).
 */
export function loftAddress(ton: number, addr: string): string {
  if (addr.startsWith('+')) return addr;
  if (ton === TON.international && /^\d+$/.test(addr)) return `+${addr}`;
  if (ton === TON.unknown && /^\d{8,15}$/.test(addr)) return `+${addr}`;
  return addr;
}

/**
 * validity_period in SMPP relative form "YYMMDDhhmmss000R" from a number of seconds
 * (Twilio's ValidityPeriod); undefined (field left empty: the SMSC's default) when absent.
 */
export function relativeValidity(seconds: number | undefined): string | undefined {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  let rest = Math.floor(seconds);
  const days = Math.min(99, Math.floor(rest / 86_400));
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3600);
  const minutes = Math.floor((rest % 3600) / 60);
  const secs = rest % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `0000${two(days)}${two(hours)}${two(minutes)}${two(secs)}000R`;
}
