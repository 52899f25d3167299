/** Twilio's default sending rates, in segments per second, by sender type. */
export const DEFAULT_RATES = { longCode: 1, tollFree: 3, shortCode: 100 } as const;

/** Twilio queues at most 10 hours of messages per sender (21611 / 30001 beyond). */
export const MAX_BACKLOG_MS = 10 * 3600 * 1000;

const TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;

/** Segments per second a sender may send, by its type. */
export function rateOf(sender: string, rates = DEFAULT_RATES): number {
  const bare = sender.replace(/^[a-z]+:/i, '');
  if (/^\d{3,8}$/.test(bare)) return rates.shortCode;
  if (TOLL_FREE.test(bare)) return rates.tollFree;
  return rates.longCode;
}

/**
 * Optional per-sender pacing like Twilio's: each sender has a virtual clock of its next free
 * slot. A message reserves `segments / rate` seconds from it; the backlog is how far that clock
 * runs ahead of now. In-process state: after a restart pacing starts afresh.
 */
export class Pacer {
  private readonly next = new Map<string, number>();

  constructor(private readonly rates = DEFAULT_RATES) {}

  /** Reserves a slot; returns when the message may go (`<= now` means right away). */
  reserve(sender: string, segments: number, now: number): number {
    const slot = Math.max(this.next.get(sender) ?? now, now);
    this.next.set(sender, slot + (Math.max(1, segments) * 1000) / rateOf(sender, this.rates));
    return slot;
  }

  /** How far ahead of `now` the sender's queue reaches, in ms. */
  backlogMs(sender: string, now: number): number {
    return Math.max(0, (this.next.get(sender) ?? now) - now);
  }
}
