import { randomBytes } from 'node:crypto';

/** Generator of Twilio-style identifiers and secrets, injected so tests are deterministic. */
export interface Ids {
  /** A SID: two-letter prefix then 32 lowercase hex digits, e.g. `SM0123…`. */
  sid(prefix: string): string;
  /** A 32-hex-digit secret (auth tokens, API key secrets). */
  secret(): string;
}

/**
 * Cryptographically random identifiers. Buffers randomness to keep the hot path cheap.
 *
 * A SID keeps Twilio's shape (prefix + 32 hex digits) but, like a UUIDv7, starts with the
 * creation time in ms (12 hex digits) followed by 80 random bits: new rows then land at the end
 * of every index keyed by SID (messages, history, outbox) instead of on a random page each,
 * which is most of the cost of a commit. Secrets stay fully random.
 */
export function randomIds(): Ids {
  let pool = Buffer.alloc(0);
  let offset = 0;
  /** `bytes` random bytes as hex. */
  const hex = (bytes: number): string => {
    if (offset + bytes > pool.length) {
      pool = randomBytes(4096);
      offset = 0;
    }
    const out = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    return out;
  };
  return {
    sid: (prefix) => prefix + Date.now().toString(16).padStart(12, '0') + hex(10),
    secret: () => hex(16),
  };
}

/** Predictable identifiers (`SM000…001`, `SM000…002`, …) for tests. */
export function sequentialIds(start = 1): Ids {
  let n = start;
  const next = (): string => (n++).toString(16).padStart(32, '0');
  return { sid: (prefix) => prefix + next(), secret: () => next() };
}
