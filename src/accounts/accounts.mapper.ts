import { rfc2822 } from '../http/dates.js';
import type { Account } from '../store/records.js';

// The subresources Twilio lists for every account, by JSON key → relative path.
const SUBRESOURCES: Record<string, string> = {
  available_phone_numbers: 'AvailablePhoneNumbers',
  calls: 'Calls',
  conferences: 'Conferences',
  incoming_phone_numbers: 'IncomingPhoneNumbers',
  notifications: 'Notifications',
  outgoing_caller_ids: 'OutgoingCallerIds',
  recordings: 'Recordings',
  transcriptions: 'Transcriptions',
  addresses: 'Addresses',
  signing_keys: 'SigningKeys',
  connect_apps: 'ConnectApps',
  sip: 'SIP',
  authorized_connect_apps: 'AuthorizedConnectApps',
  usage: 'Usage',
  keys: 'Keys',
  applications: 'Applications',
  short_codes: 'SMS/ShortCodes',
  queues: 'Queues',
  messages: 'Messages',
  balance: 'Balance',
};

/** An Account as Twilio's JSON (including `auth_token`, which Twilio does return). */
export function toAccountJson(a: Account): Record<string, unknown> {
  const base = `/2010-04-01/Accounts/${a.sid}`;
  const subresource_uris: Record<string, string> = {};
  for (const [key, path] of Object.entries(SUBRESOURCES)) {
    subresource_uris[key] = `${base}/${path}.json`;
  }
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    owner_account_sid: a.ownerAccountSid,
    sid: a.sid,
    status: a.status,
    subresource_uris,
    type: a.type,
    uri: `${base}.json`,
  };
}
