import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Clock } from '../clock.js';
import { TwilioError } from '../http/errors.js';
import type { Ids } from '../ids.js';
import { parsePhone, parseSender } from '../messages/addresses.js';
import type { createReply, OptOutCheck } from '../messages/messages.reply.js';
import type { Message } from '../store/records.js';
import type { Store, Webhook } from '../store/store.js';
import {
  TWIML_MAX_BYTES,
  type WebhookHandlerDeps,
  type WebhookResponse,
} from '../webhooks/webhooks.handler.js';
import {
  parseMessagingTwiml,
  TWIML_CODES,
  type TwimlMessage,
  type TwimlNotice,
  type TwimlRedirect,
} from './twiml.parse.js';

/** Webhook kinds whose answers are TwiML: the inbound-message request and its redirects. */
export const TWIML_WEBHOOK_KINDS = ['inbound', 'inbound-redirect'] as const;

/** Kind of the webhook a `<Redirect>` creates. */
export const REDIRECT_KIND = 'inbound-redirect';

/** Twilio's limits on one inbound message's TwiML session. */
export const TWIML_SESSION_LIMITS = {
  /** Documents one session may request, the first included (14106 beyond). */
  documents: 50,
  /** TwiML replies to one inbound message (14109 beyond). Counted per document here. */
  replies: 10,
} as const;

/** What the TwiML executor needs. */
export interface TwimlDeps {
  clock: Clock;
  ids: Ids;
  createReply: typeof createReply;
  /** Opt-out check handed to `createReply` (21610). */
  isBlocked?: OptOutCheck;
  /** `<Redirect>`s followed per inbound message; Twilio's 50-document limit allows 49. */
  maxRedirects?: number;
}

/** The `onResponse` hook of the webhook handler. */
export type TwimlResponseHook = NonNullable<WebhookHandlerDeps['onResponse']>;

const notice = (n: TwimlNotice): string => `${n.code}: ${n.message}`;

/** An absolute http(s) URL for `raw` relative to `base`, or null. */
function resolveUrl(raw: string, base: string): string | null {
  try {
    const url = new URL(raw, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The `to` attribute as an address. A number without `+` takes the country of the sender, as
 * Twilio documents; otherwise numbers are read as parsePhone reads them.
 */
function readTo(raw: string, from: string): string | null {
  const value = raw.trim();
  if (!value.startsWith('+') && !value.includes(':')) {
    const country = parsePhone(from)?.country as CountryCode | undefined;
    const local = country ? parsePhoneNumberFromString(value, country) : undefined;
    if (local?.isValid()) return local.number;
  }
  return parsePhone(value)?.address ?? null;
}

/** The `from` attribute checked against the account: a notice when it cannot send. */
async function checkFrom(
  tx: Store,
  accountSid: string,
  raw: string,
): Promise<{ from: string } | { notice: TwimlNotice }> {
  const sender = parseSender(raw);
  const invalid = {
    notice: {
      code: 14102,
      message: `Invalid 'From' attribute: ${raw} is not a phone number of this account you can message from`,
    },
  };
  if (!sender) return invalid;
  if (sender.kind === 'alphanumeric') return { from: sender.address };
  const number = sender.kind === 'phone' ? sender.e164 : sender.address;
  const owned = await tx.phoneNumbers.findByNumber(number);
  if (!owned || owned.accountSid !== accountSid) return invalid;
  if (!owned.config.capabilities.sms) {
    return {
      notice: { code: 14108, message: `From phone number ${raw} is not SMS capable; not sent` },
    };
  }
  return { from: sender.address };
}

/**
 * Builds the webhook handler's `onResponse` hook that runs the TwiML an inbound-message webhook
 * (or one of its redirects) answered, inside the transaction that settles the webhook:
 * - each `<Message>` becomes an `outbound-reply` through `createReply`: `to` defaults to the
 *   inbound sender, `from` to the number that received it (with the inbound message's Messaging
 *   Service), `action` (resolved against the document's URL) receives its status callbacks;
 * - a `<Redirect>` stores an `inbound-redirect` webhook to the resolved URL with the same
 *   parameters and order key; the webhook handler gives it its job when the current webhook
 *   settles. Past `maxRedirects` redirects for one inbound message it is not followed (14106).
 * Parse errors and skipped parts come back as `{ error: '<code>: <message>; …' }` for the
 * attempt log; verbs before a problem still run.
 */
export function twimlResponseHandler(deps: TwimlDeps): TwimlResponseHook {
  const maxRedirects = deps.maxRedirects ?? TWIML_SESSION_LIMITS.documents - 1;
  const replyDeps = { clock: deps.clock, ids: deps.ids, isBlocked: deps.isBlocked };

  async function sendMessage(
    tx: Store,
    inbound: Message,
    verb: TwimlMessage,
    base: string,
    notes: string[],
  ): Promise<boolean> {
    const defaultFrom = inbound.to;
    let from = defaultFrom;
    if (verb.from !== undefined) {
      const checked = await checkFrom(tx, inbound.accountSid, verb.from);
      if ('notice' in checked) {
        notes.push(notice(checked.notice));
        return false;
      }
      from = checked.from;
    }
    const to = verb.to !== undefined ? readTo(verb.to, from) : inbound.from;
    if (to === null) {
      const what = verb.to ?? '(the inbound message has no sender)';
      notes.push(notice({ code: 14101, message: `Invalid 'To' attribute: ${what}` }));
      return false;
    }
    const mediaUrls: string[] = [];
    for (const raw of verb.media) {
      const url = resolveUrl(raw, base);
      if (url === null) {
        const message = `Invalid URL format: <Media>${raw}</Media>; not sent`;
        notes.push(notice({ code: TWIML_CODES.invalidUrl, message }));
        return false;
      }
      mediaUrls.push(url);
    }
    let statusCallback: string | null = null;
    if (verb.action !== undefined) {
      statusCallback = resolveUrl(verb.action, base);
      if (statusCallback === null) {
        const message = `Invalid statusCallback attribute: ${verb.action}; sent without callbacks`;
        notes.push(notice({ code: 14105, message }));
      }
    }
    try {
      await deps.createReply(tx, replyDeps, {
        accountSid: inbound.accountSid,
        from,
        to,
        body: verb.body,
        mediaUrls,
        statusCallback,
        statusCallbackMethod: verb.method,
        messagingServiceSid: inbound.messagingServiceSid,
      });
      return true;
    } catch (err) {
      if (!(err instanceof TwilioError)) throw err;
      notes.push(notice({ code: err.code, message: err.message }));
      return false;
    }
  }

  async function redirect(
    tx: Store,
    webhook: Webhook,
    verb: TwimlRedirect,
    base: string,
    now: number,
    notes: string[],
  ): Promise<void> {
    const url = resolveUrl(verb.url, base);
    if (url === null) {
      const message = `Invalid URL format: <Redirect>${verb.url}</Redirect>`;
      notes.push(notice({ code: TWIML_CODES.invalidUrl, message }));
      return;
    }
    const followed = await tx.webhooks.countByOrderKey(webhook.orderKey, REDIRECT_KIND);
    if (followed >= maxRedirects) {
      const message = `Document retrieval limit reached: ${followed + 1} TwiML documents requested for ${webhook.orderKey}; <Redirect> to ${url} not followed`;
      notes.push(notice({ code: 14106, message }));
      return;
    }
    // Stored without a job on purpose: the handler settling `webhook` enqueues the next pending
    // webhook of the order key in this same transaction (enqueueWebhook would add a second job).
    await tx.webhooks.insert({
      accountSid: webhook.accountSid,
      orderKey: webhook.orderKey,
      kind: REDIRECT_KIND,
      url,
      method: verb.method,
      params: webhook.params,
      fallbackUrl: null,
      fallbackMethod: null,
      createdAt: now,
    });
  }

  return {
    kinds: [...TWIML_WEBHOOK_KINDS],
    async handle(tx: Store, webhook: Webhook, response: WebhookResponse, now: number) {
      // twilio.com/docs/api/errors/11750: a TwiML answer over 64 kB is not executed.
      if (response.truncated) {
        const message = `TwiML response body too large: more than ${TWIML_MAX_BYTES} bytes; not executed`;
        return { error: notice({ code: 11750, message }) };
      }
      const parsed = parseMessagingTwiml(response.body, response.contentType);
      if (!parsed.ok) return { error: notice(parsed) };
      const notes = parsed.warnings.map(notice);
      if (parsed.verbs.length > 0) {
        const inbound = await tx.messages.findBySid(webhook.orderKey);
        if (!inbound) {
          notes.push(`inbound message ${webhook.orderKey} not found; TwiML not executed`);
          return { error: notes.join('; ') };
        }
        let replies = 0;
        let overLimit = false;
        for (const verb of parsed.verbs) {
          if (verb.verb === 'Redirect') {
            await redirect(tx, webhook, verb, response.url, now, notes);
            break;
          }
          if (replies >= TWIML_SESSION_LIMITS.replies) {
            if (!overLimit) {
              const message = `TwiML Reply message limit exceeded: at most ${TWIML_SESSION_LIMITS.replies} replies per incoming message; the rest are not sent`;
              notes.push(notice({ code: 14109, message }));
            }
            overLimit = true;
            continue;
          }
          if (await sendMessage(tx, inbound, verb, response.url, notes)) replies++;
        }
      }
      return notes.length > 0 ? { error: notes.join('; ') } : {};
    },
  };
}
