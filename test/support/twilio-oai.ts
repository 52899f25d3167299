/**
 * Where Twilio's OpenAPI descriptions come from: the copy of twilio/twilio-oai `spec/json/` that
 * the `@twilio-alpha/mcp` package ships, a devDependency pinned to one exact version so that every
 * checkout (and CI) validates against the same bytes, with nothing outside the repository.
 * Used by the test validator (openapi.ts) and by the bench's Prism phase.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** The twilio-oai files Loft is checked against: api.twilio.com 2010-04-01 and Messaging v1. */
export type TwilioSpecName = 'twilio_api_v2010' | 'twilio_messaging_v1';

/** The package and its folder of JSON specs (the package has no `exports`: any file resolves). */
const PACKAGE = '@twilio-alpha/mcp';
const SPEC_DIR = 'twilio-oai/spec/json';

/** Absolute path of one spec file in node_modules; throws when the package is not installed. */
export function twilioSpecPath(name: TwilioSpecName): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`);
  } catch (err) {
    throw new Error(
      `Twilio's OpenAPI specs come from the ${PACKAGE} devDependency; run npm ci: ${String(err)}`,
    );
  }
  return path.join(path.dirname(manifest), SPEC_DIR, `${name}.json`);
}
