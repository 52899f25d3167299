/**
 * The ISO 8601 timestamp of Twilio's newer (v1+) APIs: UTC, whole seconds, `Z` suffix, e.g.
 * `2015-07-30T20:12:31Z` (the 2010-04-01 API uses RFC 2822 instead; see `dates.ts`).
 */
export function iso8601(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
