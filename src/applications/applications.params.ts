import { badRequest } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { checkField } from '../phone-numbers/phone-numbers.params.js';
import type { ApplicationConfig, WebhookMethod } from '../store/records.js';

/** Twilio's limit on FriendlyName. */
export const APPLICATION_NAME_MAX = 64;

/** A new application's settings, as Twilio's examples show them: no URLs, POST everywhere. */
export function defaultApplicationConfig(): ApplicationConfig {
  return {
    apiVersion: '2010-04-01',
    voiceUrl: null,
    voiceMethod: 'POST',
    voiceFallbackUrl: null,
    voiceFallbackMethod: 'POST',
    statusCallback: null,
    statusCallbackMethod: 'POST',
    voiceCallerIdLookup: false,
    smsUrl: null,
    smsMethod: 'POST',
    smsFallbackUrl: null,
    smsFallbackMethod: 'POST',
    smsStatusCallback: null,
    messageStatusCallback: null,
    publicApplicationConnectEnabled: false,
  };
}

type UrlProp = {
  [K in keyof ApplicationConfig]: ApplicationConfig[K] extends string | null
    ? null extends ApplicationConfig[K]
      ? K
      : never
    : never;
}[keyof ApplicationConfig];
type MethodProp = {
  [K in keyof ApplicationConfig]: ApplicationConfig[K] extends WebhookMethod ? K : never;
}[keyof ApplicationConfig];
type FlagProp = {
  [K in keyof ApplicationConfig]: ApplicationConfig[K] extends boolean ? K : never;
}[keyof ApplicationConfig];

const URLS: Record<string, UrlProp> = {
  VoiceUrl: 'voiceUrl',
  VoiceFallbackUrl: 'voiceFallbackUrl',
  StatusCallback: 'statusCallback',
  SmsUrl: 'smsUrl',
  SmsFallbackUrl: 'smsFallbackUrl',
  SmsStatusCallback: 'smsStatusCallback',
  MessageStatusCallback: 'messageStatusCallback',
};
const METHODS: Record<string, MethodProp> = {
  VoiceMethod: 'voiceMethod',
  VoiceFallbackMethod: 'voiceFallbackMethod',
  StatusCallbackMethod: 'statusCallbackMethod',
  SmsMethod: 'smsMethod',
  SmsFallbackMethod: 'smsFallbackMethod',
};
const FLAGS: Record<string, FlagProp> = {
  VoiceCallerIdLookup: 'voiceCallerIdLookup',
  PublicApplicationConnectEnabled: 'publicApplicationConnectEnabled',
};

/** `FriendlyName` when sent (max 64 characters). */
export function readApplicationName(params: FormParams): string | undefined {
  const name = single(params, 'FriendlyName');
  if (name !== undefined && [...name].length > APPLICATION_NAME_MAX) {
    throw badRequest(
      20001,
      `Invalid FriendlyName: it can be up to ${APPLICATION_NAME_MAX} characters long`,
    );
  }
  return name;
}

/**
 * Applies every writable field of Create/UpdateApplicationRequest to `base`: URLs absolute
 * http(s) (21402; empty clears), methods GET/POST (21403; empty restores POST), booleans
 * `true`/`false` and `ApiVersion` 2010-04-01/2008-08-01 (20001).
 */
export function readApplicationConfig(
  params: FormParams,
  base: ApplicationConfig,
): ApplicationConfig {
  const config: ApplicationConfig = { ...base };
  for (const [key, prop] of Object.entries(URLS)) {
    const v = single(params, key)?.trim();
    if (v !== undefined) config[prop] = v === '' ? null : checkField(key, { kind: 'url' }, v);
  }
  for (const [key, prop] of Object.entries(METHODS)) {
    const v = single(params, key)?.trim();
    if (v !== undefined) {
      config[prop] = (v === '' ? 'POST' : checkField(key, { kind: 'method' }, v)) as WebhookMethod;
    }
  }
  for (const [key, prop] of Object.entries(FLAGS)) {
    const v = single(params, key)?.trim();
    if (v) config[prop] = checkField(key, { kind: 'boolean' }, v) === 'true';
  }
  const api = single(params, 'ApiVersion')?.trim();
  if (api) {
    config.apiVersion = checkField(
      'ApiVersion',
      {
        kind: 'enum',
        values: ['2010-04-01', '2008-08-01'],
      },
      api,
    );
  }
  return config;
}
