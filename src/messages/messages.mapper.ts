import { rfc2822, rfc2822OrNull } from '../http/dates.js';
import type { Message } from '../store/records.js';

/** `/2010-04-01/Accounts/{AC}/Messages/{SM}` without suffix. */
export const messagePath = (accountSid: string, sid: string): string =>
  `/2010-04-01/Accounts/${accountSid}/Messages/${sid}`;

/**
 * A Message as Twilio's JSON: all 20 fields every time plus `tags`; `num_*` as strings,
 * `error_code` as an integer, RFC 2822 dates and relative URIs.
 */
export function toMessageJson(m: Message): Record<string, unknown> {
  const base = messagePath(m.accountSid, m.sid);
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: rfc2822OrNull(m.dateSent),
    date_updated: rfc2822(m.dateUpdated),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: String(m.numMedia),
    num_segments: String(m.numSegments),
    price: m.price,
    price_unit: m.priceUnit,
    sid: m.sid,
    status: m.status,
    subresource_uris: {
      media: `${base}/Media.json`,
      feedback: `${base}/Feedback.json`,
    },
    tags: m.tags,
    to: m.to,
    uri: `${base}.json`,
  };
}
