import type { MediaRecord, NewMedia } from '../records.js';

/** Filters of `GET …/Media.json`. Time bounds are inclusive epoch ms. */
export interface MediaFilter {
  accountSid: string;
  messageSid: string;
  createdFrom?: number;
  createdTo?: number;
}

/** Media of messages (MMS), bytes included. */
export interface MediaRepository {
  /** Stores several media files atomically. */
  insertMany(media: NewMedia[]): Promise<void>;
  /** A message's media in MediaUrl order, offset-paged. */
  list(filter: MediaFilter, page: { limit: number; offset: number }): Promise<MediaRecord[]>;
  get(accountSid: string, messageSid: string, sid: string): Promise<MediaRecord | undefined>;
  /** The record and its bytes. */
  getContent(
    accountSid: string,
    messageSid: string,
    sid: string,
  ): Promise<{ media: MediaRecord; content: Buffer } | undefined>;
  /**
   * Stores the fetched bytes (and real Content-Type) of Media created empty with their message.
   * Only rows still empty change, so a second worker's fill is a no-op; returns how many changed.
   */
  fill(
    files: ReadonlyArray<
      Pick<NewMedia, 'sid' | 'contentType' | 'size' | 'content' | 'dateUpdated'>
    >,
  ): Promise<number>;
  /** Removes one media file and takes it off its message's `num_media`, atomically. */
  delete(accountSid: string, messageSid: string, sid: string): Promise<boolean>;
  /** Removes every media file of a message; returns how many. */
  deleteForMessage(messageSid: string): Promise<number>;
}
