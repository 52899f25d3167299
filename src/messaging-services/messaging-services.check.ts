import { badRequest } from '../http/errors.js';
import type { Account, MessagingService } from '../store/records.js';
import type { Store } from '../store/store.js';

const MG_SID = /^MG[0-9a-fA-F]{32}$/;

/**
 * The account's Messaging Service named by a message's `MessagingServiceSid`: 400 / 21705 when
 * it is not an `MG` SID at all, 400 / 21701 when no such service exists for this account.
 */
export async function checkMessagingServiceSid(
  store: Store,
  account: Account,
  sid: string,
): Promise<MessagingService> {
  if (!MG_SID.test(sid)) {
    throw badRequest(21705, `The Messaging Service Sid ${sid} is invalid.`);
  }
  const service = await store.services.get(account.sid, sid);
  if (!service) {
    throw badRequest(21701, `The Messaging Service ${sid} does not exist.`);
  }
  return service;
}
