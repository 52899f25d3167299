import { badRequest } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { httpUrl } from '../messages/messages.params.js';
import type { PhoneNumberConfig } from '../store/records.js';

/** How a writable IncomingPhoneNumber field is validated. */
export type FieldKind =
  | { kind: 'url' }
  | { kind: 'method' }
  | { kind: 'boolean' }
  | { kind: 'sid'; prefix: string }
  | { kind: 'enum'; values: readonly string[] };

const URL_FIELD: FieldKind = { kind: 'url' };
const METHOD_FIELD: FieldKind = { kind: 'method' };
const sid = (prefix: string): FieldKind => ({ kind: 'sid', prefix });

/**
 * The writable fields of Create/UpdateIncomingPhoneNumberRequest that Loft keeps in
 * `config.extra` by wire name (the `Sms*` fields have their own config properties).
 */
export const EXTRA_FIELDS: Readonly<Record<string, FieldKind>> = {
  ApiVersion: { kind: 'enum', values: ['2010-04-01', '2008-08-01'] },
  VoiceUrl: URL_FIELD,
  VoiceMethod: METHOD_FIELD,
  VoiceFallbackUrl: URL_FIELD,
  VoiceFallbackMethod: METHOD_FIELD,
  StatusCallback: URL_FIELD,
  StatusCallbackMethod: METHOD_FIELD,
  VoiceCallerIdLookup: { kind: 'boolean' },
  VoiceApplicationSid: sid('AP'),
  TrunkSid: sid('TK'),
  IdentitySid: sid('RI'),
  AddressSid: sid('AD'),
  EmergencyStatus: { kind: 'enum', values: ['Active', 'Inactive'] },
  EmergencyAddressSid: sid('AD'),
  VoiceReceiveMode: { kind: 'enum', values: ['voice', 'fax'] },
  BundleSid: sid('BU'),
};

/** Twilio's limit on FriendlyName. */
export const FRIENDLY_NAME_MAX = 64;

/** Settings of a newly bought number: POST webhooks, no URLs, voice/SMS/MMS capable. */
export function defaultConfig(): PhoneNumberConfig {
  return {
    smsUrl: '',
    smsMethod: 'POST',
    smsFallbackUrl: '',
    smsFallbackMethod: 'POST',
    smsApplicationSid: null,
    capabilities: { voice: true, sms: true, mms: true, fax: false },
    extra: {},
  };
}

/**
 * Validates one field value and returns its stored form. URLs must be absolute http(s)
 * (21402 Invalid Url), methods GET or POST in any case (21403 Invalid Method), the rest 20001.
 */
export function checkField(key: string, field: FieldKind, value: string): string {
  switch (field.kind) {
    case 'url':
      if (!httpUrl(value)) {
        throw badRequest(
          21402,
          `The ${key} '${value}' is not a valid URL: use an absolute http(s) URL`,
        );
      }
      return value;
    case 'method': {
      const upper = value.toUpperCase();
      if (upper !== 'GET' && upper !== 'POST') {
        throw badRequest(21403, `Invalid ${key} '${value}': expected GET or POST`);
      }
      return upper;
    }
    case 'boolean': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        throw badRequest(20001, `Invalid value '${value}' for ${key}: expected true or false`);
      }
      return lower;
    }
    case 'sid':
      if (!new RegExp(`^${field.prefix}[0-9a-fA-F]{32}$`).test(value)) {
        throw badRequest(
          20001,
          `Invalid ${key} '${value}': expected ${field.prefix} + 32 hex digits`,
        );
      }
      return value;
    case 'enum':
      if (!field.values.includes(value)) {
        throw badRequest(
          20001,
          `Invalid value '${value}' for ${key}: expected one of ${field.values.join(', ')}`,
        );
      }
      return value;
  }
}

/** A sent field: `undefined` when absent, `null` when sent empty (clear it), else the value. */
function read(params: FormParams, key: string, field: FieldKind): string | null | undefined {
  const v = single(params, key);
  if (v === undefined) return undefined;
  const trimmed = v.trim();
  return trimmed === '' ? null : checkField(key, field, trimmed);
}

/**
 * Applies the writable fields of a create/update form to `base` and returns the new config.
 * An empty value clears a field (URLs become "", methods POST, the rest unset). Setting
 * TrunkSid clears VoiceApplicationSid and vice versa, as Twilio documents.
 */
export function readConfig(params: FormParams, base: PhoneNumberConfig): PhoneNumberConfig {
  const config: PhoneNumberConfig = {
    ...base,
    capabilities: { ...base.capabilities },
    extra: { ...base.extra },
  };
  const smsUrl = read(params, 'SmsUrl', URL_FIELD);
  if (smsUrl !== undefined) config.smsUrl = smsUrl ?? '';
  const smsFallbackUrl = read(params, 'SmsFallbackUrl', URL_FIELD);
  if (smsFallbackUrl !== undefined) config.smsFallbackUrl = smsFallbackUrl ?? '';
  const smsMethod = read(params, 'SmsMethod', METHOD_FIELD);
  if (smsMethod !== undefined) config.smsMethod = (smsMethod ?? 'POST') as 'GET' | 'POST';
  const smsFallbackMethod = read(params, 'SmsFallbackMethod', METHOD_FIELD);
  if (smsFallbackMethod !== undefined) {
    config.smsFallbackMethod = (smsFallbackMethod ?? 'POST') as 'GET' | 'POST';
  }
  const smsApp = read(params, 'SmsApplicationSid', sid('AP'));
  if (smsApp !== undefined) config.smsApplicationSid = smsApp;

  const sent: Record<string, string | null> = {};
  for (const [key, field] of Object.entries(EXTRA_FIELDS)) {
    const v = read(params, key, field);
    if (v !== undefined) sent[key] = v;
  }
  if (sent['TrunkSid'] && sent['VoiceApplicationSid']) {
    throw badRequest(20001, 'TrunkSid and VoiceApplicationSid cannot both be set');
  }
  if (sent['TrunkSid']) delete config.extra['VoiceApplicationSid'];
  if (sent['VoiceApplicationSid']) delete config.extra['TrunkSid'];
  for (const [key, v] of Object.entries(sent)) {
    if (v === null) delete config.extra[key];
    else config.extra[key] = v;
  }
  return config;
}

/** `FriendlyName` when sent (max 64 characters); `''` asks for the default name. */
export function readFriendlyName(params: FormParams): string | undefined {
  const name = single(params, 'FriendlyName');
  if (name !== undefined && [...name].length > FRIENDLY_NAME_MAX) {
    throw badRequest(
      20001,
      `Invalid FriendlyName: it can be up to ${FRIENDLY_NAME_MAX} characters long`,
    );
  }
  return name;
}
