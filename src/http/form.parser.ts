import type { FastifyInstance } from 'fastify';
import { TwilioError } from './errors.js';
import { FORM_LIMITS, parseFormStrict, tooManyParams } from './form.js';

/** 400 / 20001 for a form or query string with more parameters than {@link FORM_LIMITS}. */
export const tooManyParamsError = (what: string): TwilioError =>
  new TwilioError(400, 20001, `${what} has more than ${FORM_LIMITS.params} parameters`);

/**
 * Makes `scope` (an encapsulated plugin) take only `application/x-www-form-urlencoded` bodies,
 * decoded strictly (malformed encoding, NUL characters and too many parameters are 400s). Any
 * other body type is 415.
 */
export function formBodiesOnly(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => {
      if (tooManyParams(body as string)) return done(tooManyParamsError('Form body'));
      const parsed = parseFormStrict(body as string, 'form body');
      if (parsed instanceof TwilioError) done(parsed);
      else done(null, parsed);
    },
  );
}
