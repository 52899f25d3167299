import type { IncomingHttpHeaders } from 'node:http';
import type { Account } from '../store/records.js';
import type { Principal } from './auth.js';
import type { FormParams } from './form.js';

/** What a Twilio resource handler receives: an authenticated, authorized request. */
export interface TwilioContext {
  principal: Principal;
  /** The account the request acts on (from the path, or the principal's own). */
  account: Account;
  /** Form body for POST, query string otherwise. */
  params: FormParams;
  /** Path parameters by name (`AccountSid`, `Sid`, …). */
  pathParams: Record<string, string>;
  /** The request path without its query string, as Twilio echoes it in 404s and `uri`s. */
  path: string;
  /** The request headers (names in lower case). */
  headers: IncomingHttpHeaders;
}

/** A handler's answer: status (default 200) and JSON body (none for 204). */
export interface TwilioResult {
  status?: number;
  body?: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** A resource operation (synchronous when it reads nothing); a throw answers with the error. */
export type TwilioHandler = (ctx: TwilioContext) => TwilioResult | Promise<TwilioResult>;

/** The methods a Twilio resource may implement. */
export type TwilioMethod = 'GET' | 'POST' | 'DELETE';
