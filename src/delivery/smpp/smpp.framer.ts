import { HEADER_LENGTH } from './smpp.codec.js';

/**
 * Cuts a TCP byte stream into whole PDUs: buffers partial chunks, splits concatenated ones,
 * and refuses an absurd command_length (below the header or above `maxLength`) instead of
 * waiting for gigabytes that never come. After a refusal the stream cannot be resynchronised:
 * the session answers generic_nack (ESME_RINVCMDLEN) and closes.
 */
export class PduFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** @param maxLength the largest PDU accepted, in octets (default 64 KiB). */
  constructor(private readonly maxLength = 65_536) {}

  /**
   * Adds a chunk; returns the complete PDUs it finished, in order. Throws
   * {@link FramingError} when a command_length is out of bounds.
   */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0);
      if (length < HEADER_LENGTH || length > this.maxLength) {
        const sequence = this.pending.length >= HEADER_LENGTH ? this.pending.readUInt32BE(12) : 0;
        this.pending = Buffer.alloc(0);
        throw new FramingError(`command_length ${length} out of bounds`, sequence);
      }
      if (this.pending.length < length) break;
      out.push(this.pending.subarray(0, length));
      this.pending = this.pending.subarray(length);
    }
    return out;
  }
}

/** A command_length no PDU can have; `sequence` is the offending header's, when readable. */
export class FramingError extends Error {
  constructor(
    message: string,
    readonly sequence: number,
  ) {
    super(message);
    this.name = 'FramingError';
  }
}
