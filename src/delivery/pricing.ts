/** Per-segment prices in USD, by ISO country (`*` = anywhere else). */
export interface PriceTable {
  [country: string]: { sms: number; mms: number };
}

/** Twilio's published US prices per outbound segment (SMS) and message (MMS). */
export const DEFAULT_PRICES: PriceTable = {
  US: { sms: 0.0083, mms: 0.022 },
  CA: { sms: 0.0083, mms: 0.022 },
  '*': { sms: 0.0083, mms: 0.022 },
};

/**
 * The price of a message, as Twilio writes it: negative (a charge), five decimals, a string;
 * SMS is charged per segment, MMS per message.
 */
export function priceOf(
  table: PriceTable,
  country: string | undefined,
  numSegments: number,
  numMedia: number,
): string {
  const row = (country && table[country]) || table['*'] || { sms: 0, mms: 0 };
  const amount = numMedia > 0 ? row.mms : row.sms * Math.max(1, numSegments);
  return (-amount).toFixed(5);
}
