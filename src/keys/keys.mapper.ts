import { rfc2822 } from '../http/dates.js';
import type { ApiKey } from '../store/records.js';

/** An API key as Twilio's JSON; the secret is only added once, by the create response. */
export function toKeyJson(k: ApiKey): Record<string, unknown> {
  return {
    sid: k.sid,
    friendly_name: k.friendlyName,
    date_created: rfc2822(k.dateCreated),
    date_updated: rfc2822(k.dateUpdated),
  };
}
