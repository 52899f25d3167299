import type { Submission } from '../../../src/delivery/carrier.js';
import { parseCarriers } from '../../../src/delivery/carriers/carriers.config.js';
import type { SmppCarrierConfig } from '../../../src/delivery/smpp/smpp.types.js';
import { countSegments } from '../../../src/messages/segments.js';

/**
 * An SMPP carrier's config for a local test SMSC on `port`: a transceiver bind as `loft` /
 * `secret`, every other field at the default `CARRIERS` gives it (read through the real parser),
 * then `over`.
 */
export function smscCarrierConfig(
  port: number,
  over: Partial<SmppCarrierConfig> = {},
): SmppCarrierConfig {
  const [parsed] = parseCarriers(
    JSON.stringify([
      {
        name: 'test',
        type: 'smpp',
        host: '127.0.0.1',
        port,
        systemId: 'loft',
        password: 'secret',
        bindMode: 'transceiver',
      },
    ]),
  );
  return { ...(parsed as SmppCarrierConfig), ...over };
}

/** What dispatch hands a carrier for a text-only message of `body` to `to`. */
export function textSubmission(body: string, to = '+33612345678'): Submission {
  return {
    message: {
      sid: 'SM1',
      from: '+15550001111',
      to,
      options: {},
    } as unknown as Submission['message'],
    body,
    mediaUrls: [],
    numSegments: countSegments(body).segments,
  };
}
