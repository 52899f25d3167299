import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { requestOrigin, withRequestOrigin } from '../http/origin.js';
import { offsetEnvelope, offsetPaging, readPageParams } from '../http/paging.js';
import { resource } from '../http/resource.js';
import { parsePhone } from '../messages/addresses.js';
import type { Account } from '../store/records.js';
import type { OptOutReplies, Store } from '../store/store.js';
import { toNumberRepliesJson, toOptOutJson, toServiceRepliesJson } from './optout.mapper.js';
import { effectiveReplies } from './optout.service.js';

/** Longest reply text accepted: Twilio's limit on a message body. */
export const MAX_REPLY_CHARACTERS = 1600;

const FIELDS = [
  ['StopReply', 'stopReply'],
  ['StartReply', 'startReply'],
  ['HelpReply', 'helpReply'],
] as const;

/**
 * Applies a `StopReply` / `StartReply` / `HelpReply` form to a scope's reply texts: only the
 * fields sent change, and an empty (or blank) value goes back to Twilio's default.
 */
export function readRepliesUpdate(
  current: OptOutReplies | undefined,
  scope: { scopeKey: string; accountSid: string },
  params: FormParams,
): OptOutReplies {
  const next: OptOutReplies = {
    scopeKey: scope.scopeKey,
    accountSid: scope.accountSid,
    stopReply: current?.stopReply ?? null,
    startReply: current?.startReply ?? null,
    helpReply: current?.helpReply ?? null,
  };
  for (const [param, key] of FIELDS) {
    const value = single(params, param);
    if (value === undefined) continue;
    if ([...value].length > MAX_REPLY_CHARACTERS) {
      throw badRequest(20001, `${param} exceeds the ${MAX_REPLY_CHARACTERS} character limit.`);
    }
    next[key] = value.trim() === '' ? null : value;
  }
  return next;
}

/** An address filter as stored: E.164 when it parses as a phone number, else as given. */
const address = (raw: string): string => parsePhone(raw)?.address ?? raw.trim();

async function listOptOuts(
  store: Store,
  account: Account,
  path: string,
  params: FormParams,
): Promise<Record<string, unknown>> {
  const paging = readPageParams(params);
  const { offset, limit } = offsetPaging(paging);
  const filters: [string, string][] = [];
  const recipient = single(params, 'Recipient') || undefined;
  const phoneNumber = single(params, 'PhoneNumber') || undefined;
  const serviceSid = single(params, 'MessagingServiceSid') || undefined;
  if (phoneNumber !== undefined && serviceSid !== undefined) {
    throw badRequest(20001, 'Filter by PhoneNumber or by MessagingServiceSid, not both.');
  }
  if (recipient !== undefined) filters.push(['Recipient', recipient]);
  if (phoneNumber !== undefined) filters.push(['PhoneNumber', phoneNumber]);
  if (serviceSid !== undefined) filters.push(['MessagingServiceSid', serviceSid]);
  const scopeKey = phoneNumber !== undefined ? address(phoneNumber) : serviceSid;
  const rows = await store.optOuts.list(
    account.sid,
    {
      ...(scopeKey !== undefined ? { scopeKey } : {}),
      ...(recipient !== undefined ? { recipient: address(recipient) } : {}),
    },
    { offset, limit },
  );
  return offsetEnvelope('opt_outs', path, filters, paging, offset, rows.map(toOptOutJson));
}

/**
 * Loft's opt-out extensions (Twilio has no public API for them):
 * - `GET|POST /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}/OptOutReplies.json`;
 * - `GET|POST /v1/Services/{MG}/OptOutReplies`;
 * - `GET /2010-04-01/Accounts/{AC}/OptOuts.json`: the account's current blocks.
 * Each sits behind the same auth and account scoping as its parent resource.
 */
export function optOutRoutes(app: FastifyInstance, store: Store): void {
  const byAccount = { accountParam: 'AccountSid' };

  const numberOf = async (account: Account, sid: string, path: string) => {
    const n = await store.phoneNumbers.get(account.sid, sid);
    if (!n) throw notFound(path);
    return n;
  };
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid/OptOutReplies.json',
    {
      GET: async ({ account, pathParams, path }) => {
        const n = await numberOf(account, pathParams['Sid'] ?? '', path);
        return { body: toNumberRepliesJson(n, await effectiveReplies(store, n.phoneNumber)) };
      },
      POST: async ({ account, pathParams, path, params }) => {
        const n = await numberOf(account, pathParams['Sid'] ?? '', path);
        const scope = { scopeKey: n.phoneNumber, accountSid: account.sid };
        const current = await store.optOuts.getReplies(n.phoneNumber);
        await store.optOuts.setReplies(readRepliesUpdate(current, scope, params));
        return { body: toNumberRepliesJson(n, await effectiveReplies(store, n.phoneNumber)) };
      },
    },
    byAccount,
  );

  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/OptOuts.json',
    {
      GET: async ({ account, path, params }) => ({
        body: await listOptOuts(store, account, path, params),
      }),
    },
    byAccount,
  );

  withRequestOrigin(app, (scope) => {
    const serviceOf = async (account: Account, sid: string, path: string) => {
      const s = await store.services.get(account.sid, sid);
      if (!s) throw notFound(path);
      return s;
    };
    resource(scope, store, '/v1/Services/:ServiceSid/OptOutReplies', {
      GET: async ({ account, pathParams, path }) => {
        const s = await serviceOf(account, pathParams['ServiceSid'] ?? '', path);
        const replies = await effectiveReplies(store, s.sid);
        return { body: toServiceRepliesJson(s, replies, requestOrigin()) };
      },
      POST: async ({ account, pathParams, path, params }) => {
        const s = await serviceOf(account, pathParams['ServiceSid'] ?? '', path);
        const current = await store.optOuts.getReplies(s.sid);
        const next = readRepliesUpdate(
          current,
          { scopeKey: s.sid, accountSid: account.sid },
          params,
        );
        await store.optOuts.setReplies(next);
        const replies = await effectiveReplies(store, s.sid);
        return { body: toServiceRepliesJson(s, replies, requestOrigin()) };
      },
    });
  });
}
