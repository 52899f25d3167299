/** Records of Messaging Services (Messaging v1) and Applications (2010-04-01). Times are epoch ms. */

/** An HTTP method Twilio calls a webhook with. */
export type WebhookMethod = 'GET' | 'POST';

/** The settings of a Messaging Service other than its name (stored as one JSON column). */
export interface MessagingServiceConfig {
  /** Where inbound messages to the pool's numbers are sent; `null` disables inbound handling. */
  inboundRequestUrl: string | null;
  inboundMethod: WebhookMethod;
  fallbackUrl: string | null;
  fallbackMethod: WebhookMethod;
  /** Message status callback for messages sent through the service without their own. */
  statusCallback: string | null;
  /** Keep using the same pool number for a recipient. */
  stickySender: boolean;
  mmsConverter: boolean;
  /** Replace Unicode look-alikes with GSM-7 characters before counting segments. */
  smartEncoding: boolean;
  scanMessageContent: 'inherit' | 'enable' | 'disable';
  fallbackToLongCode: boolean;
  /** Prefer a pool number with the recipient's area code (US/Canada). */
  areaCodeGeomatch: boolean;
  /** Seconds a message may wait in the queue before it fails with 30036. */
  validityPeriod: number;
  synchronousValidation: boolean;
  usecase: string;
  usAppToPersonRegistered: boolean;
  /** Inbound messages use the number's own webhook instead of `inboundRequestUrl`. */
  useInboundWebhookOnNumber: boolean;
}

/** A Messaging Service (`MG…`): a pool of senders plus delivery settings. */
export interface MessagingService {
  sid: string;
  accountSid: string;
  friendlyName: string;
  config: MessagingServiceConfig;
  dateCreated: number;
  dateUpdated: number;
}

/** An IncomingPhoneNumber in a service's sender pool. */
export interface ServicePhoneNumber {
  serviceSid: string;
  /** The IncomingPhoneNumber's `PN…` SID (also the SID of the pool entry). */
  phoneNumberSid: string;
  accountSid: string;
  /** E.164. */
  phoneNumber: string;
  /** Capabilities of the IncomingPhoneNumber, as Twilio lists them: `MMS`, `SMS`, `Voice`, `Fax`. */
  capabilities: string[];
  dateCreated: number;
}

/** The writable settings of an Application, by meaning; unset URLs are `null`. */
export interface ApplicationConfig {
  apiVersion: string;
  voiceUrl: string | null;
  voiceMethod: WebhookMethod;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: WebhookMethod;
  statusCallback: string | null;
  statusCallbackMethod: WebhookMethod;
  voiceCallerIdLookup: boolean;
  smsUrl: string | null;
  smsMethod: WebhookMethod;
  smsFallbackUrl: string | null;
  smsFallbackMethod: WebhookMethod;
  smsStatusCallback: string | null;
  /** Status callback for messages created with this `ApplicationSid` and no `StatusCallback`. */
  messageStatusCallback: string | null;
  publicApplicationConnectEnabled: boolean;
}

/** A TwiML Application (`AP…`). */
export interface Application {
  sid: string;
  accountSid: string;
  friendlyName: string;
  config: ApplicationConfig;
  dateCreated: number;
  dateUpdated: number;
}
