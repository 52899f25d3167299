import type { MessagingService, ServicePhoneNumber } from '../records.js';

/** Outcome of adding a number to a sender pool. */
export type PoolAddOutcome = 'added' | 'already_in_service' | 'in_other_service';

/** Messaging Services (`MG…`), their sender pools and sticky senders. */
export interface MessagingServiceRepository {
  insert(service: MessagingService): Promise<void>;
  /** The account's service, or undefined (unknown, or another account's). */
  get(accountSid: string, sid: string): Promise<MessagingService | undefined>;
  /** By SID alone, for background jobs (which carry no account). */
  findBySid(sid: string): Promise<MessagingService | undefined>;
  /** The account's services, oldest first. */
  list(accountSid: string, page: { limit: number; offset: number }): Promise<MessagingService[]>;
  /** Replaces the name and settings. */
  update(service: MessagingService): Promise<void>;
  /** Deletes the service with its pool links and sticky senders. */
  delete(accountSid: string, sid: string): Promise<boolean>;
  /** Puts an IncomingPhoneNumber in the pool; a number is in at most one pool. */
  addPhoneNumber(link: Omit<ServicePhoneNumber, 'capabilities'>): Promise<PoolAddOutcome>;
  getPhoneNumber(
    serviceSid: string,
    phoneNumberSid: string,
  ): Promise<ServicePhoneNumber | undefined>;
  /** The pool, oldest first; only numbers still owned by the service's account. */
  listPhoneNumbers(
    serviceSid: string,
    page: { limit: number; offset: number },
  ): Promise<ServicePhoneNumber[]>;
  /** The whole pool ordered by phone number (what `pickSender` chooses from). */
  pool(serviceSid: string): Promise<ServicePhoneNumber[]>;
  /** Takes a number out of a pool (and forgets it as anyone's sticky sender there). */
  removePhoneNumber(serviceSid: string, phoneNumberSid: string): Promise<boolean>;
  /** Takes a number out of whatever pool holds it: call when an IncomingPhoneNumber is deleted. */
  unlinkPhoneNumber(phoneNumberSid: string): Promise<void>;
  /** The service whose pool holds the number (for inbound routing), if any. */
  findByPhoneNumber(phoneNumberSid: string): Promise<MessagingService | undefined>;
  getStickySender(serviceSid: string, to: string): Promise<string | undefined>;
  setStickySender(serviceSid: string, to: string, from: string): Promise<void>;
}
