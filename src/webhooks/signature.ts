import { createHmac } from 'node:crypto';

/** The request header that carries the signature. */
export const SIGNATURE_HEADER = 'X-Twilio-Signature';

/**
 * Twilio's `X-Twilio-Signature` for a request to `url` carrying the form `params`:
 * base64(HMAC-SHA1(authToken, url + name₁value₁ + name₂value₂ …)), names in code-unit order;
 * a repeated name contributes each distinct value once, values sorted. `url` is exactly the URL
 * requested, query string included. A GET webhook carries its parameters in that query string,
 * so it is signed with `params = {}`.
 */
export function signature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? '';
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', Buffer.from(authToken, 'utf8'))
    .update(Buffer.from(data, 'utf8'))
    .digest('base64');
}
