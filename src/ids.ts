import { randomBytes } from 'node:crypto';

/** Generator of Twilio-style identifiers and secrets, injected so tests are deterministic. */
export interface Ids {
  /** A SID: two-letter prefix then 32 lowercase hex digits, e.g. `SM0123…`. */
  sid(prefix: string): string;
  /** A 32-hex-digit secret (auth tokens, API key secrets). */
  secret(): string;
}

/** Cryptographically random identifiers. Buffers randomness to keep the hot path cheap. */
export function randomIds(): Ids {
  let pool = Buffer.alloc(0);
  let offset = 0;
  const hex = (): string => {
    if (offset + 16 > pool.length) {
      pool = randomBytes(16 * 256);
      offset = 0;
    }
    const out = pool.toString('hex', offset, offset + 16);
    offset += 16;
    return out;
  };
  return { sid: (prefix) => prefix + hex(), secret: () => hex() };
}

/** Predictable identifiers (`SM000…001`, `SM000…002`, …) for tests. */
export function sequentialIds(start = 1): Ids {
  let n = start;
  const next = (): string => (n++).toString(16).padStart(32, '0');
  return { sid: (prefix) => prefix + next(), secret: () => next() };
}
