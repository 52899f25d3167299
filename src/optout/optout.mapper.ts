import { rfc2822 } from '../http/dates.js';
import { phoneNumberPath } from '../phone-numbers/phone-numbers.mapper.js';
import { servicePath } from '../messaging-services/messaging-services.mapper.js';
import type { MessagingService, PhoneNumber } from '../store/records.js';
import type { OptOutRecord } from '../store/store.js';
import type { EffectiveReplies } from './optout.service.js';

const MG_SID = /^MG[0-9a-fA-F]{32}$/;

/** `/2010-04-01/Accounts/{AC}/OptOuts.json`. */
export const optOutsPath = (accountSid: string): string =>
  `/2010-04-01/Accounts/${accountSid}/OptOuts.json`;

/** `…/IncomingPhoneNumbers/{PN}/OptOutReplies.json`. */
export const numberRepliesPath = (n: PhoneNumber): string =>
  `${phoneNumberPath(n.accountSid, n.sid)}/OptOutReplies.json`;

/** `/v1/Services/{MG}/OptOutReplies`. */
export const serviceRepliesPath = (s: MessagingService): string =>
  `${servicePath(s.sid)}/OptOutReplies`;

const texts = (r: EffectiveReplies) => ({
  stop_reply: r.stop,
  start_reply: r.start,
  help_reply: r.help,
});

/** A number's keyword replies (Loft extension), 2010-04-01 style with a relative `uri`. */
export function toNumberRepliesJson(n: PhoneNumber, r: EffectiveReplies): Record<string, unknown> {
  return {
    account_sid: n.accountSid,
    phone_number_sid: n.sid,
    phone_number: n.phoneNumber,
    ...texts(r),
    uri: numberRepliesPath(n),
  };
}

/** A service's keyword replies (Loft extension), v1 style with an absolute `url`. */
export function toServiceRepliesJson(
  s: MessagingService,
  r: EffectiveReplies,
  origin: string,
): Record<string, unknown> {
  return {
    account_sid: s.accountSid,
    service_sid: s.sid,
    ...texts(r),
    url: origin + serviceRepliesPath(s),
  };
}

/** A block: which handset opted out of which number (or of a whole Messaging Service). */
export function toOptOutJson(o: OptOutRecord): Record<string, unknown> {
  const service = MG_SID.test(o.scopeKey);
  return {
    account_sid: o.accountSid,
    recipient: o.recipient,
    phone_number: service ? null : o.scopeKey,
    messaging_service_sid: service ? o.scopeKey : null,
    date_created: rfc2822(o.createdAt),
  };
}
