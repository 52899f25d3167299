import type { Message, MessagingService, PhoneNumber } from '../store/records.js';
import type { Store } from '../store/store.js';
import { parsePhone } from '../messages/addresses.js';

/** Where an inbound message's webhook goes. */
export interface InboundTarget {
  url: string;
  method: 'GET' | 'POST';
  fallbackUrl: string | null;
  fallbackMethod: 'GET' | 'POST';
}

/**
 * Twilio's routing of an inbound message: the number's SmsApplicationSid (its application's
 * SmsUrl) wins; then the Messaging Service's inbound URL, unless the service defers to the
 * number's own webhook; then the number's SmsUrl. `null` when nothing is configured.
 */
export async function inboundTarget(
  tx: Store,
  number: PhoneNumber,
  service: MessagingService | undefined,
): Promise<InboundTarget | null> {
  const c = number.config;
  if (c.smsApplicationSid) {
    const app = await tx.applications.get(number.accountSid, c.smsApplicationSid);
    if (app?.config.smsUrl) {
      return {
        url: app.config.smsUrl,
        method: app.config.smsMethod,
        fallbackUrl: app.config.smsFallbackUrl,
        fallbackMethod: app.config.smsFallbackMethod,
      };
    }
  }
  if (service && !service.config.useInboundWebhookOnNumber && service.config.inboundRequestUrl) {
    return {
      url: service.config.inboundRequestUrl,
      method: service.config.inboundMethod,
      fallbackUrl: service.config.fallbackUrl,
      fallbackMethod: service.config.fallbackMethod,
    };
  }
  if (c.smsUrl) {
    return {
      url: c.smsUrl,
      method: c.smsMethod,
      fallbackUrl: c.smsFallbackUrl || null,
      fallbackMethod: c.smsFallbackMethod,
    };
  }
  return null;
}

/**
 * The parameters Twilio sends to an inbound message webhook. City, state and zip are not known
 * to Loft and are sent empty, as Twilio does when its lookup has nothing; the country comes
 * from the number.
 */
export function inboundParams(
  m: Message,
  media: { url: string; contentType: string }[],
  optOutType: string | null,
): Record<string, string> {
  const p: Record<string, string> = {
    ToCountry: parsePhone(m.to)?.country ?? '',
    ToState: '',
    SmsMessageSid: m.sid,
    NumMedia: String(media.length),
    ToCity: '',
    FromZip: '',
    SmsSid: m.sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: m.body ?? '',
    FromCountry: parsePhone(m.from ?? '')?.country ?? '',
    To: m.to,
    ToZip: '',
    NumSegments: String(m.numSegments),
    MessageSid: m.sid,
    AccountSid: m.accountSid,
    From: m.from ?? '',
    ApiVersion: '2010-04-01',
  };
  if (m.messagingServiceSid) p['MessagingServiceSid'] = m.messagingServiceSid;
  media.forEach((item, i) => {
    p[`MediaContentType${i}`] = item.contentType;
    p[`MediaUrl${i}`] = item.url;
  });
  if (optOutType) p['OptOutType'] = optOutType;
  return p;
}
