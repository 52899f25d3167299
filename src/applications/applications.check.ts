import { badRequest } from '../http/errors.js';
import type { Account } from '../store/records.js';
import type { Application } from '../store/services.records.js';
import type { Store } from '../store/store.js';

/**
 * The account's application named by a message's `ApplicationSid`; 400 / 21218 "Invalid
 * ApplicationSid" when it does not exist or belongs to another account.
 */
export async function checkApplicationSid(
  store: Store,
  account: Account,
  sid: string,
): Promise<Application> {
  const found = await store.applications.get(account.sid, sid);
  if (!found) {
    throw badRequest(
      21218,
      `Invalid ApplicationSid: ${sid} does not exist or does not belong to this account`,
    );
  }
  return found;
}
