import { rfc2822 } from '../http/dates.js';
import type { PhoneNumber } from '../store/records.js';
import { defaultFriendlyName, phoneNumberType } from './phone-numbers.format.js';

/** `/2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}` without suffix. */
export const phoneNumberPath = (accountSid: string, sid: string): string =>
  `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${sid}`;

/**
 * An IncomingPhoneNumber as Twilio's JSON: every property of the spec schema
 * `api.v2010.account.incoming_phone_number`, plus `subresource_uris`. Unset SMS URLs, the status
 * callback and application SIDs are `""`, unset voice URLs and other SIDs `null`, as in the
 * spec's examples; the fields kept in `config.extra` come back under their snake_case names.
 */
export function toPhoneNumberJson(n: PhoneNumber): Record<string, unknown> {
  const { config } = n;
  const x = config.extra;
  const base = phoneNumberPath(n.accountSid, n.sid);
  return {
    account_sid: n.accountSid,
    address_requirements: 'none',
    address_sid: x['AddressSid'] ?? null,
    api_version: x['ApiVersion'] ?? '2010-04-01',
    beta: false,
    capabilities: {
      voice: config.capabilities.voice,
      sms: config.capabilities.sms,
      mms: config.capabilities.mms,
      fax: config.capabilities.fax,
    },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    emergency_status: x['EmergencyStatus'] ?? 'Inactive',
    emergency_address_sid: x['EmergencyAddressSid'] ?? null,
    emergency_address_status: x['EmergencyAddressSid'] ? 'registered' : 'unregistered',
    friendly_name: n.friendlyName || defaultFriendlyName(n.phoneNumber),
    identity_sid: x['IdentitySid'] ?? null,
    origin: 'twilio',
    phone_number: n.phoneNumber,
    sid: n.sid,
    sms_application_sid: config.smsApplicationSid ?? '',
    sms_fallback_method: config.smsFallbackMethod,
    sms_fallback_url: config.smsFallbackUrl,
    sms_method: config.smsMethod,
    sms_url: config.smsUrl,
    status_callback: x['StatusCallback'] ?? '',
    status_callback_method: x['StatusCallbackMethod'] ?? 'POST',
    trunk_sid: x['TrunkSid'] ?? null,
    uri: `${base}.json`,
    voice_application_sid: x['VoiceApplicationSid'] ?? '',
    voice_caller_id_lookup: x['VoiceCallerIdLookup'] === 'true',
    voice_fallback_method: x['VoiceFallbackMethod'] ?? 'POST',
    voice_fallback_url: x['VoiceFallbackUrl'] ?? null,
    voice_method: x['VoiceMethod'] ?? 'POST',
    voice_url: x['VoiceUrl'] ?? null,
    voice_receive_mode: x['VoiceReceiveMode'] ?? 'voice',
    bundle_sid: x['BundleSid'] ?? null,
    status: 'in-use',
    type: phoneNumberType(n.phoneNumber),
    subresource_uris: {
      assigned_add_ons: `${base}/AssignedAddOns.json`,
    },
  };
}
