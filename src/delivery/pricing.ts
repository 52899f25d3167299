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

/** Configured prices (`PRICES`): any country's row, or a field of it, may be left out. */
export interface PriceOverrides {
  [country: string]: { sms?: number; mms?: number };
}

/**
 * The price table in effect: Twilio's defaults with the configured rows over them. A field a
 * row leaves out keeps that country's default, else the `*` row's (configured, else default).
 */
export function priceTable(overrides: PriceOverrides = {}): PriceTable {
  const star = { ...(DEFAULT_PRICES['*'] as PriceTable[string]), ...overrides['*'] };
  const table: PriceTable = { ...DEFAULT_PRICES, '*': star };
  for (const [country, row] of Object.entries(overrides)) {
    if (country !== '*') table[country] = { ...(DEFAULT_PRICES[country] ?? star), ...row };
  }
  return table;
}

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
