import { rfc2822 } from '../http/dates.js';
import type { Application } from '../store/records.js';

/** `/2010-04-01/Accounts/{AC}/Applications/{AP}` without suffix. */
export const applicationPath = (accountSid: string, sid: string): string =>
  `/2010-04-01/Accounts/${accountSid}/Applications/${sid}`;

/**
 * An Application as Twilio's JSON: every property of the spec schema
 * `api.v2010.account.application`, RFC 2822 dates, a relative `uri`, unset URLs `null`.
 */
export function toApplicationJson(a: Application): Record<string, unknown> {
  const c = a.config;
  return {
    account_sid: a.accountSid,
    api_version: c.apiVersion,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    message_status_callback: c.messageStatusCallback,
    sid: a.sid,
    sms_fallback_method: c.smsFallbackMethod,
    sms_fallback_url: c.smsFallbackUrl,
    sms_method: c.smsMethod,
    sms_status_callback: c.smsStatusCallback,
    sms_url: c.smsUrl,
    status_callback: c.statusCallback,
    status_callback_method: c.statusCallbackMethod,
    uri: `${applicationPath(a.accountSid, a.sid)}.json`,
    voice_caller_id_lookup: c.voiceCallerIdLookup,
    voice_fallback_method: c.voiceFallbackMethod,
    voice_fallback_url: c.voiceFallbackUrl,
    voice_method: c.voiceMethod,
    voice_url: c.voiceUrl,
    public_application_connect_enabled: c.publicApplicationConnectEnabled,
  };
}
