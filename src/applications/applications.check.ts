import { badRequest } from '../http/errors.js';
import type { Account, Application } from '../store/records.js';
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

/**
 * The application SIDs a phone number's form sets (`SmsApplicationSid`, `VoiceApplicationSid`)
 * must be `account`'s applications, else inbound messages would be routed to another account's
 * (or nowhere). On a purchase that is 400 / 21420 "ApplicationSid is not accessible"
 * (twilio.com/docs/api/errors/21420); on an update 400 / 22108 "Invalid Application SID"
 * (twilio.com/docs/api/errors/22108).
 */
export async function checkNumberApplications(
  store: Store,
  account: Account,
  sids: ReadonlyArray<readonly [field: string, sid: string | null | undefined]>,
  on: 'create' | 'update',
): Promise<void> {
  for (const [field, sid] of sids) {
    if (!sid || (await store.applications.get(account.sid, sid))) continue;
    throw on === 'create'
      ? badRequest(
          21420,
          `${field} ${sid} is not accessible: it is not an application of this account`,
        )
      : badRequest(22108, `Invalid ${field} ${sid}: it is not an application of this account`);
  }
}
