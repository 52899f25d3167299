import { badRequest } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { readBoolean } from '../messages/messages.params.js';
import { checkField } from '../phone-numbers/phone-numbers.params.js';
import type { MessagingServiceConfig, WebhookMethod } from '../store/records.js';

/** Twilio's limit on FriendlyName. */
export const SERVICE_NAME_MAX = 64;

/** The values `Usecase` accepts (anything else is 21713). */
export const USECASES = [
  'notifications',
  'marketing',
  'verification',
  'discussion',
  'poll',
  'undeclared',
] as const;

const SCAN_MESSAGE_CONTENT = ['inherit', 'enable', 'disable'] as const;

/** Validity period bounds, in seconds (Twilio's default is the maximum). */
export const VALIDITY_PERIOD = { min: 1, max: 14_400 } as const;

/**
 * A new service's settings: POST webhooks, no URLs, Sticky Sender, MMS Converter, Smart Encoding
 * and Area Code Geomatch on (Twilio's defaults for a new service), the longest validity period.
 */
export function defaultServiceConfig(): MessagingServiceConfig {
  return {
    inboundRequestUrl: null,
    inboundMethod: 'POST',
    fallbackUrl: null,
    fallbackMethod: 'POST',
    statusCallback: null,
    stickySender: true,
    mmsConverter: true,
    smartEncoding: true,
    scanMessageContent: 'inherit',
    fallbackToLongCode: false,
    areaCodeGeomatch: true,
    validityPeriod: VALIDITY_PERIOD.max,
    synchronousValidation: false,
    usecase: 'undeclared',
    usAppToPersonRegistered: false,
    useInboundWebhookOnNumber: false,
  };
}

/** Twilio's wording for a missing required parameter (400 / 20001). */
export const missingParameter = (name: string) =>
  badRequest(20001, `Missing required parameter ${name} in the post body`);

/** `FriendlyName` when sent (max 64 characters). */
export function readServiceName(params: FormParams): string | undefined {
  const name = single(params, 'FriendlyName');
  if (name !== undefined && [...name].length > SERVICE_NAME_MAX) {
    throw badRequest(
      20001,
      `Invalid FriendlyName: it can be up to ${SERVICE_NAME_MAX} characters long`,
    );
  }
  return name;
}

/** A URL field: `undefined` when absent, `null` when sent empty (clears it), else the URL (21402). */
function readUrl(params: FormParams, key: string): string | null | undefined {
  const v = single(params, key)?.trim();
  if (v === undefined) return undefined;
  return v === '' ? null : checkField(key, { kind: 'url' }, v);
}

/** A method field, upper-cased (21403); empty restores POST. */
function readMethod(params: FormParams, key: string): WebhookMethod | undefined {
  const v = single(params, key)?.trim();
  if (v === undefined) return undefined;
  return v === '' ? 'POST' : (checkField(key, { kind: 'method' }, v) as WebhookMethod);
}

/**
 * Applies the writable fields of a Create/UpdateServiceRequest form to `base`. URLs must be
 * absolute http(s) (21402), methods GET/POST (21403), booleans `true`/`false` (20001),
 * `ValidityPeriod` 1–14400 (20001), `ScanMessageContent` inherit/enable/disable (20001) and
 * `Usecase` one of Twilio's use cases (21713).
 */
export function readServiceConfig(
  params: FormParams,
  base: MessagingServiceConfig,
): MessagingServiceConfig {
  const config: MessagingServiceConfig = { ...base };
  const urls = {
    InboundRequestUrl: 'inboundRequestUrl',
    FallbackUrl: 'fallbackUrl',
    StatusCallback: 'statusCallback',
  } as const;
  for (const [key, prop] of Object.entries(urls)) {
    const v = readUrl(params, key);
    if (v !== undefined) config[prop] = v;
  }
  const methods = { InboundMethod: 'inboundMethod', FallbackMethod: 'fallbackMethod' } as const;
  for (const [key, prop] of Object.entries(methods)) {
    const v = readMethod(params, key);
    if (v !== undefined) config[prop] = v;
  }
  const flags = {
    StickySender: 'stickySender',
    MmsConverter: 'mmsConverter',
    SmartEncoding: 'smartEncoding',
    FallbackToLongCode: 'fallbackToLongCode',
    AreaCodeGeomatch: 'areaCodeGeomatch',
    SynchronousValidation: 'synchronousValidation',
    UseInboundWebhookOnNumber: 'useInboundWebhookOnNumber',
  } as const;
  for (const [key, prop] of Object.entries(flags)) {
    const v = readBoolean(params, key);
    if (v !== undefined) config[prop] = v;
  }
  const scan = single(params, 'ScanMessageContent')?.trim();
  if (scan) {
    const allowed: readonly string[] = SCAN_MESSAGE_CONTENT;
    if (!allowed.includes(scan)) {
      throw badRequest(
        20001,
        `Invalid value '${scan}' for ScanMessageContent: expected one of ${allowed.join(', ')}`,
      );
    }
    config.scanMessageContent = scan as MessagingServiceConfig['scanMessageContent'];
  }
  const validity = single(params, 'ValidityPeriod')?.trim();
  if (validity) {
    const n = Number(validity);
    if (!/^\d+$/.test(validity) || n < VALIDITY_PERIOD.min || n > VALIDITY_PERIOD.max) {
      throw badRequest(
        20001,
        `Invalid ValidityPeriod '${validity}': must be an integer from ${VALIDITY_PERIOD.min} to ${VALIDITY_PERIOD.max} seconds`,
      );
    }
    config.validityPeriod = n;
  }
  const usecase = single(params, 'Usecase')?.trim();
  if (usecase) {
    const allowed: readonly string[] = USECASES;
    if (!allowed.includes(usecase)) {
      throw badRequest(
        21713,
        `The Messaging Service use case '${usecase}' is invalid: use one of ${allowed.join(', ')}`,
      );
    }
    config.usecase = usecase;
  }
  return config;
}
