import type { PhoneNumber } from '../records.js';

/** IncomingPhoneNumbers: the numbers an account owns. */
export interface PhoneNumberRepository {
  /** Returns false when the number is already owned by some account. */
  insert(number: PhoneNumber): Promise<boolean>;
  get(accountSid: string, sid: string): Promise<PhoneNumber | undefined>;
  findByNumber(phoneNumber: string): Promise<PhoneNumber | undefined>;
  list(
    accountSid: string,
    filter: { phoneNumberLike?: string; friendlyName?: string },
    page: { limit: number; offset: number },
  ): Promise<PhoneNumber[]>;
  update(number: PhoneNumber): Promise<void>;
  delete(accountSid: string, sid: string): Promise<boolean>;
}
