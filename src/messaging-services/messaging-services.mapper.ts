import { iso8601 } from '../http/dates-v1.js';
import { parsePhone } from '../messages/addresses.js';
import type { MessagingService, ServicePhoneNumber } from '../store/records.js';

/** `/v1/Services/{MG}`. */
export const servicePath = (sid: string): string => `/v1/Services/${sid}`;

/** `/v1/Services/{MG}/PhoneNumbers/{PN}`. */
export const servicePhoneNumberPath = (serviceSid: string, sid: string): string =>
  `${servicePath(serviceSid)}/PhoneNumbers/${sid}`;

/**
 * A Messaging Service as Twilio's v1 JSON (schema `messaging.v1.service`): every property, ISO
 * 8601 dates, and ABSOLUTE `url` and `links` under `origin` (this server, as the client named it).
 */
export function toServiceJson(s: MessagingService, origin: string): Record<string, unknown> {
  const c = s.config;
  const base = origin + servicePath(s.sid);
  return {
    account_sid: s.accountSid,
    sid: s.sid,
    date_created: iso8601(s.dateCreated),
    date_updated: iso8601(s.dateUpdated),
    friendly_name: s.friendlyName,
    inbound_request_url: c.inboundRequestUrl,
    inbound_method: c.inboundMethod,
    fallback_url: c.fallbackUrl,
    fallback_method: c.fallbackMethod,
    status_callback: c.statusCallback,
    sticky_sender: c.stickySender,
    mms_converter: c.mmsConverter,
    smart_encoding: c.smartEncoding,
    fallback_to_long_code: c.fallbackToLongCode,
    area_code_geomatch: c.areaCodeGeomatch,
    validity_period: c.validityPeriod,
    scan_message_content: c.scanMessageContent,
    synchronous_validation: c.synchronousValidation,
    usecase: c.usecase,
    us_app_to_person_registered: c.usAppToPersonRegistered,
    use_inbound_webhook_on_number: c.useInboundWebhookOnNumber,
    links: {
      phone_numbers: `${base}/PhoneNumbers`,
      short_codes: `${base}/ShortCodes`,
      alpha_senders: `${base}/AlphaSenders`,
      messages: `${base}/Messages`,
      us_app_to_person: `${base}/Compliance/Usa2p`,
      us_app_to_person_usecases: `${base}/Compliance/Usa2p/Usecases`,
      channel_senders: `${base}/ChannelSenders`,
      destination_alpha_senders: `${base}/DestinationAlphaSenders`,
    },
    url: base,
  };
}

/**
 * A pool number as Twilio's v1 JSON (schema `messaging.v1.service.phone_number`): its SID is the
 * IncomingPhoneNumber's, `capabilities` an array of strings, `country_code` the number's ISO
 * country. A link has no updates of its own, so `date_updated` is `date_created`.
 */
export function toServicePhoneNumberJson(
  n: ServicePhoneNumber,
  origin: string,
): Record<string, unknown> {
  return {
    sid: n.phoneNumberSid,
    account_sid: n.accountSid,
    service_sid: n.serviceSid,
    date_created: iso8601(n.dateCreated),
    date_updated: iso8601(n.dateCreated),
    phone_number: n.phoneNumber,
    country_code: parsePhone(n.phoneNumber)?.country ?? null,
    capabilities: n.capabilities,
    url: origin + servicePhoneNumberPath(n.serviceSid, n.phoneNumberSid),
  };
}
