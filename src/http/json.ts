import type { FastifyInstance } from 'fastify';
import { TwilioError } from './errors.js';

/** Limits on JSON request bodies (the `/sim` API; Twilio's API takes forms only). */
export const JSON_LIMITS = {
  /** Largest JSON body, in bytes (413 beyond). */
  bytes: 256 * 1024,
  /** Deepest nesting of objects and arrays (400 beyond). */
  depth: 32,
} as const;

/**
 * Whether the JSON text nests objects and arrays deeper than `max`. One pass over the text,
 * skipping strings; it only counts brackets, so malformed JSON is left for the parser to refuse.
 */
export function jsonTooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Whether any string (key or value) in a parsed JSON value holds U+0000. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNul(v));
  }
  return false;
}

/**
 * Replaces the app's `application/json` parser with Fastify's own (prototype poisoning refused)
 * behind a size limit and a nesting check, so a deeply nested body is a 400, not a stack
 * overflow later in a handler or a serializer. A string holding U+0000 is a 400 too, as in a form:
 * PostgreSQL text cannot store it, and SQLite would, so the stores would disagree.
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: JSON_LIMITS.bytes },
    (req, body, done) => {
      if (jsonTooDeep(body as string, JSON_LIMITS.depth)) {
        done(
          new TwilioError(400, 20001, `JSON body nests deeper than ${JSON_LIMITS.depth} levels`),
          undefined,
        );
      } else {
        // Fastify's default parser is the callback kind (it returns nothing); its type also
        // admits the promise kind, hence the `void`.
        void parse(req, body as string, (err, parsed) => {
          if (!err && holdsNul(parsed)) {
            done(
              new TwilioError(400, 20001, 'Malformed JSON body: NUL character (U+0000)'),
              undefined,
            );
          } else done(err, parsed);
        });
      }
    },
  );
}
