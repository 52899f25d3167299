import { rfc2822 } from '../http/dates.js';
import { messagePath } from '../messages/messages.mapper.js';
import type { MediaRecord } from '../store/store.js';

/** `/2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}`: the content URL, without suffix. */
export const mediaPath = (m: Pick<MediaRecord, 'accountSid' | 'messageSid' | 'sid'>): string =>
  `${messagePath(m.accountSid, m.messageSid)}/Media/${m.sid}`;

/**
 * The absolute URL a media file's bytes are served at (Basic auth required), e.g. for the
 * carrier or an inbound webhook's `MediaUrl{N}`. `baseUrl` is the public base (no trailing slash
 * needed).
 */
export const mediaContentUrl = (baseUrl: string, m: MediaRecord): string =>
  baseUrl.replace(/\/+$/, '') + mediaPath(m);

/** A Media resource as Twilio's JSON: all seven properties, RFC 2822 dates, relative `uri`. */
export function toMediaJson(m: MediaRecord): Record<string, unknown> {
  return {
    account_sid: m.accountSid,
    // Not fetched yet and no type in the URL: unknown (the spec makes content_type nullable).
    content_type: m.contentType === '' ? null : m.contentType,
    date_created: rfc2822(m.dateCreated),
    date_updated: rfc2822(m.dateUpdated),
    parent_sid: m.messageSid,
    sid: m.sid,
    uri: `${mediaPath(m)}.json`,
  };
}
