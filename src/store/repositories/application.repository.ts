import type { Application } from '../records.js';

/** TwiML Applications (`AP…`). */
export interface ApplicationRepository {
  insert(app: Application): Promise<void>;
  /** The account's application, or undefined (unknown, or another account's). */
  get(accountSid: string, sid: string): Promise<Application | undefined>;
  /** By SID alone, for background jobs. */
  findBySid(sid: string): Promise<Application | undefined>;
  /** Oldest first, optionally only those with exactly this friendly name. */
  list(
    accountSid: string,
    filter: { friendlyName?: string },
    page: { limit: number; offset: number },
  ): Promise<Application[]>;
  update(app: Application): Promise<void>;
  delete(accountSid: string, sid: string): Promise<boolean>;
}
