import { describe, expect, it } from 'vitest';
import {
  assertMatchesSpec,
  assertTwilioError,
  matchOperation,
  validateAgainstSpec,
} from '../support/openapi.js';

const AC = 'AC' + '0123456789abcdef'.repeat(2);
const SM = 'SM' + 'fedcba9876543210'.repeat(2);
const MG = 'MG' + '00112233445566778899aabbccddeeff';
const MSG_PATH = `/2010-04-01/Accounts/${AC}/Messages/${SM}.json`;
const LIST_PATH = `/2010-04-01/Accounts/${AC}/Messages.json`;

function message(): Record<string, unknown> {
  return {
    body: 'Hello there',
    num_segments: '1',
    direction: 'outbound-api',
    from: '+15017122661',
    to: '+15558675310',
    date_updated: 'Thu, 24 Aug 2023 05:01:45 +0000',
    price: null,
    error_message: null,
    uri: `/2010-04-01/Accounts/${AC}/Messages/${SM}.json`,
    account_sid: AC,
    num_media: '0',
    status: 'queued',
    messaging_service_sid: MG,
    sid: SM,
    date_sent: null,
    date_created: 'Thu, 24 Aug 2023 05:01:45 +0000',
    error_code: null,
    price_unit: 'USD',
    api_version: '2010-04-01',
    subresource_uris: {
      media: `/2010-04-01/Accounts/${AC}/Messages/${SM}/Media.json`,
      feedback: `/2010-04-01/Accounts/${AC}/Messages/${SM}/Feedback.json`,
    },
    tags: {},
  };
}

describe('openapi validator', () => {
  it('accepts a valid Message for fetch (query string ignored)', () => {
    expect(validateAgainstSpec('GET', MSG_PATH, 200, message())).toEqual([]);
    assertMatchesSpec('GET', `${MSG_PATH}?PageSize=2`, 200, message());
    assertMatchesSpec('GET', MSG_PATH, 200, JSON.stringify(message()));
    assertMatchesSpec('GET', MSG_PATH, 200, message(), { requireAllProperties: true });
  });

  it('honours nullable and the custom formats', () => {
    const m = {
      ...message(),
      body: null,
      from: 'whatsapp:+15017122661',
      error_code: 30007,
      price: '-0.00750',
      status: 'undelivered',
    };
    expect(validateAgainstSpec('GET', MSG_PATH, 200, m)).toEqual([]);
    expect(
      validateAgainstSpec('GET', MSG_PATH, 200, { ...message(), price_unit: 'US' }),
    ).toHaveLength(1);
    expect(
      validateAgainstSpec('GET', MSG_PATH, 200, { ...message(), subresource_uris: { media: 'x' } }),
    ).toHaveLength(1);
    // wrong weekday for the date
    expect(
      validateAgainstSpec('GET', MSG_PATH, 200, {
        ...message(),
        date_created: 'Fri, 24 Aug 2023 05:01:45 +0000',
      }),
    ).toHaveLength(1);
  });

  it('rejects num_segments as a number', () => {
    const errors = validateAgainstSpec('GET', MSG_PATH, 200, { ...message(), num_segments: 1 });
    expect(errors).toEqual(['/num_segments must be string']);
    expect(() =>
      assertMatchesSpec('GET', MSG_PATH, 200, { ...message(), num_segments: 1 }),
    ).toThrow(/num_segments must be string[\s\S]*GET|GET[\s\S]*num_segments must be string/);
  });

  it('rejects a GMT date', () => {
    const errors = validateAgainstSpec('GET', MSG_PATH, 200, {
      ...message(),
      date_created: 'Thu, 24 Aug 2023 05:01:45 GMT',
    });
    expect(errors).toEqual(['/date_created must match format "date-time-rfc-2822"']);
  });

  it('rejects error_code as a string', () => {
    const errors = validateAgainstSpec('GET', MSG_PATH, 200, { ...message(), error_code: '30007' });
    expect(errors).toEqual(['/error_code must be integer']);
  });

  it('rejects an unknown status enum value and a missing key in requireAllProperties mode', () => {
    expect(
      validateAgainstSpec('GET', MSG_PATH, 200, { ...message(), status: 'bogus' }),
    ).toHaveLength(1);
    const { price: _price, ...noPrice } = message();
    expect(validateAgainstSpec('GET', MSG_PATH, 200, noPrice)).toEqual([]);
    expect(
      validateAgainstSpec('GET', MSG_PATH, 200, noPrice, { requireAllProperties: true }),
    ).toEqual(["(root) must have required property 'price'"]);
  });

  it('accepts a list envelope with relative page URIs', () => {
    const env = {
      end: 0,
      first_page_uri: `${LIST_PATH}?PageSize=50&Page=0`,
      messages: [message()],
      next_page_uri: null,
      page: 0,
      page_size: 50,
      previous_page_uri: null,
      start: 0,
      uri: `${LIST_PATH}?PageSize=50&Page=0`,
    };
    assertMatchesSpec('GET', `${LIST_PATH}?PageSize=50`, 200, env);
    expect(
      validateAgainstSpec('GET', LIST_PATH, 200, {
        ...env,
        messages: [{ ...message(), sid: 'x' }],
      }),
    ).toEqual([
      '/messages/0/sid must NOT have fewer than 34 characters',
      '/messages/0/sid must match pattern "^(SM|MM)[0-9a-fA-F]{32}$"',
    ]);
  });

  it('accepts create 201 and update 200 with a Message', () => {
    assertMatchesSpec('POST', LIST_PATH, 201, message());
    assertMatchesSpec('POST', MSG_PATH, 200, message());
    expect(validateAgainstSpec('POST', LIST_PATH, 200, message())[0]).toMatch(/declared: 201/);
  });

  it('requires an empty body for a 204 DELETE', () => {
    assertMatchesSpec('DELETE', MSG_PATH, 204, undefined);
    assertMatchesSpec('DELETE', MSG_PATH, 204, '');
    expect(validateAgainstSpec('DELETE', MSG_PATH, 204, { a: 1 })).toHaveLength(1);
  });

  it('throws for unknown paths, methods and statuses', () => {
    expect(() => assertMatchesSpec('GET', '/2010-04-01/Nope.json', 200, {})).toThrow(
      /no path template/,
    );
    expect(() => assertMatchesSpec('PUT', MSG_PATH, 200, {})).toThrow(/no PUT operation/);
    expect(() => assertMatchesSpec('GET', MSG_PATH, 201, message())).toThrow(/no 201 response/);
  });

  it('prefers the most specific template', () => {
    expect(
      matchOperation('GET', `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers/Local.json`)?.template,
    ).toBe('/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/Local.json');
    expect(matchOperation('GET', `/2010-04-01/Accounts/${AC}.json`)?.template).toBe(
      '/2010-04-01/Accounts/{Sid}.json',
    );
  });

  it('accepts callback URLs that are empty strings but not garbage', () => {
    const PN = 'PN' + 'ab'.repeat(16);
    const path = `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers/${PN}.json`;
    const pn = {
      sid: PN,
      account_sid: AC,
      phone_number: '+15017122661',
      sms_url: '',
      sms_method: 'POST',
      voice_url: 'https://example.com/voice',
      status_callback: '',
      sms_fallback_method: null,
      sms_application_sid: '',
      voice_application_sid: 'AP' + 'cd'.repeat(16),
      capabilities: { voice: true, sms: true, mms: true, fax: false },
    };
    assertMatchesSpec('GET', path, 200, pn);
    expect(validateAgainstSpec('GET', path, 200, { ...pn, sms_application_sid: 'AP1' })).toEqual([
      '/sms_application_sid must match pattern "^(?:AP[0-9a-fA-F]{32})?$"',
    ]);
    expect(validateAgainstSpec('GET', path, 200, { ...pn, sms_url: 'not a url' })).toEqual([
      '/sms_url must match format "twilio-callback-uri"',
    ]);
    expect(validateAgainstSpec('GET', path, 200, { ...pn, capabilities: { sms: 'yes' } })).toEqual([
      '/capabilities/sms must be boolean',
      '/capabilities capability "sms" must be boolean (phone-number-capabilities)',
    ]);
  });

  it('validates undeclared 4xx bodies as Twilio errors', () => {
    const err = {
      code: 20404,
      message: 'x',
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    };
    assertMatchesSpec('GET', MSG_PATH, 404, err);
    expect(validateAgainstSpec('GET', MSG_PATH, 400, err)).toHaveLength(1);
  });

  describe('Messaging v1 (twilio_messaging_v1.json)', () => {
    const SVC_PATH = `/v1/Services/${MG}`;
    const url = `https://messaging.twilio.com${SVC_PATH}`;
    const service = (): Record<string, unknown> => ({
      account_sid: AC,
      sid: MG,
      date_created: '2025-03-03T04:05:06Z',
      date_updated: '2025-03-03T04:05:06Z',
      friendly_name: 'Alerts',
      inbound_request_url: 'https://example.com/in',
      inbound_method: 'GET',
      fallback_url: null,
      fallback_method: 'POST',
      status_callback: 'https://example.com/status',
      sticky_sender: false,
      mms_converter: true,
      smart_encoding: false,
      fallback_to_long_code: false,
      area_code_geomatch: true,
      validity_period: 600,
      scan_message_content: 'disable',
      synchronous_validation: false,
      usecase: 'notifications',
      us_app_to_person_registered: false,
      use_inbound_webhook_on_number: true,
      links: { phone_numbers: `${url}/PhoneNumbers`, messages: `${url}/Messages` },
      url,
    });

    it('matches /v1/Services paths to the Messaging v1 templates', () => {
      expect(matchOperation('POST', '/v1/Services')).toEqual({
        template: '/v1/Services',
        hasMethod: true,
        statuses: [201],
      });
      expect(matchOperation('GET', `${SVC_PATH}/PhoneNumbers/PN${'ab'.repeat(16)}`)?.template).toBe(
        '/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}',
      );
    });

    it('accepts a Service with ISO dates and absolute links; rejects RFC 2822 dates, relative links and missing keys', () => {
      assertMatchesSpec('GET', SVC_PATH, 200, service(), { requireAllProperties: true });
      assertMatchesSpec('POST', '/v1/Services', 201, service(), { requireAllProperties: true });
      expect(
        validateAgainstSpec('GET', SVC_PATH, 200, {
          ...service(),
          date_created: 'Mon, 03 Mar 2025 04:05:06 +0000',
          links: { messages: `${SVC_PATH}/Messages` },
          validity_period: '600',
        }),
      ).toEqual([
        '/date_created must match format "date-time"',
        '/validity_period must be integer',
        '/links value of "messages" must be a URL (absolute-uri-map)',
      ]);
      const { usecase: _usecase, ...noUsecase } = service();
      expect(
        validateAgainstSpec('GET', SVC_PATH, 200, noUsecase, { requireAllProperties: true }),
      ).toEqual(["(root) must have required property 'usecase'"]);
    });

    it('checks the list envelope’s meta: page URLs are URLs or null, never ""', () => {
      const meta = {
        page: 0,
        page_size: 50,
        first_page_url: `https://messaging.twilio.com/v1/Services?PageSize=50&Page=0`,
        previous_page_url: null,
        url: `https://messaging.twilio.com/v1/Services?PageSize=50&Page=0`,
        next_page_url: null,
        key: 'services',
      };
      assertMatchesSpec('GET', '/v1/Services?PageSize=50', 200, { services: [service()], meta });
      expect(
        validateAgainstSpec('GET', '/v1/Services', 200, {
          services: [],
          meta: { ...meta, next_page_url: '' },
        }),
      ).toEqual(['/meta/next_page_url must match format "uri"']);
    });
  });

  it('assertTwilioError', () => {
    const err = {
      code: 20404,
      message: 'x',
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    };
    assertTwilioError(err, 404, 20404);
    assertTwilioError({ ...err, detail: 'more' }, 404, 20404);
    expect(() => assertTwilioError({ ...err, type: 'x' }, 404, 20404)).toThrow(/type/);
    expect(() => assertTwilioError(err, 400, 20404)).toThrow(/status/);
    expect(() => assertTwilioError(err, 404, 21211)).toThrow(/code/);
    expect(() => assertTwilioError({ ...err, more_info: 'https://x.y/20404' }, 404, 20404)).toThrow(
      /more_info/,
    );
  });
});
