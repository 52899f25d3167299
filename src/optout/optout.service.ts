import type { OptOutReplies, Store } from '../store/store.js';
import { classifyKeyword, DEFAULT_REPLIES, type OptOutType } from './optout.keywords.js';

/** The inbound message as opt-out handling needs it. */
export interface OptOutInbound {
  accountSid: string;
  /** The handset that sent the message. */
  from: string;
  /** Our number that received it. */
  to: string;
  /** The Messaging Service whose pool holds `to`, if any. */
  messagingServiceSid: string | null;
  body: string;
}

/** What the keyword did: its type (the webhook's `OptOutType`) and the reply to send, if any. */
export interface OptOutOutcome {
  type: OptOutType | null;
  reply: string | null;
}

/** The three reply texts in effect for a scope (custom where set, else Twilio's defaults). */
export interface EffectiveReplies {
  stop: string;
  start: string;
  help: string;
}

// A short code: 3 to 8 digits, no `+`. Twilio gives standalone short codes no default handling.
const SHORT_CODE = /^\d{3,8}$/;

const NONE: OptOutOutcome = { type: null, reply: null };

/** Where a keyword sent to `to` applies: the whole Messaging Service, else the number itself. */
export function optOutScope(to: string, messagingServiceSid: string | null): string {
  return messagingServiceSid ?? to;
}

/** The reply texts in effect for a scope. */
export async function effectiveReplies(tx: Store, scopeKey: string): Promise<EffectiveReplies> {
  const custom: OptOutReplies | undefined = await tx.optOuts.getReplies(scopeKey);
  return {
    stop: custom?.stopReply ?? DEFAULT_REPLIES.STOP,
    start: custom?.startReply ?? DEFAULT_REPLIES.START,
    help: custom?.helpReply ?? DEFAULT_REPLIES.HELP,
  };
}

/**
 * Twilio's default keyword handling for one inbound message. A message that is exactly one
 * keyword blocks (STOP…) or unblocks (START…) the handset for the scope, i.e. the Messaging
 * Service when `to` is in one, else the number; HELP changes nothing. Returns the keyword type
 * and the reply text to send back (the scope's custom text, else Twilio's default). Standalone
 * short codes get no handling. Call it inside the ingest transaction; the inbound message itself
 * is still delivered to the webhook either way.
 */
export async function applyOptOut(
  tx: Store,
  inbound: OptOutInbound,
  now: number,
): Promise<OptOutOutcome> {
  const type = classifyKeyword(inbound.body);
  if (type === null) return NONE;
  if (inbound.messagingServiceSid === null && SHORT_CODE.test(inbound.to)) return NONE;
  const scopeKey = optOutScope(inbound.to, inbound.messagingServiceSid);
  if (type === 'STOP') {
    await tx.optOuts.block({
      accountSid: inbound.accountSid,
      scopeKey,
      recipient: inbound.from,
      createdAt: now,
    });
  } else if (type === 'START') {
    await tx.optOuts.unblock(scopeKey, inbound.from);
  }
  const replies = await effectiveReplies(tx, scopeKey);
  const reply = type === 'STOP' ? replies.stop : type === 'START' ? replies.start : replies.help;
  return { type, reply };
}

/**
 * The scopes a message's sender is known by without a lookup: its `From` and its Messaging
 * Service. (A `From` number that sits in a service's pool is also covered by that service:
 * {@link isBlocked} adds it.)
 */
export function senderScopes(message: {
  from: string | null;
  messagingServiceSid: string | null;
}): string[] {
  const scopes: string[] = [];
  if (message.from !== null && message.from !== '') scopes.push(message.from);
  if (message.messagingServiceSid !== null && message.messagingServiceSid !== '') {
    scopes.push(message.messagingServiceSid);
  }
  return scopes;
}

/**
 * Whether `to` has opted out of messages from this sender: from the `From` number itself, from
 * the Messaging Service holding that number in its pool, or from the `MessagingServiceSid`.
 */
export async function isBlocked(
  tx: Store,
  message: {
    accountSid: string;
    from: string | null;
    messagingServiceSid: string | null;
    to: string;
  },
): Promise<boolean> {
  const scopes = senderScopes(message);
  if (message.from !== null && message.from.startsWith('+')) {
    const owned = await tx.phoneNumbers.findByNumber(message.from);
    if (owned && owned.accountSid === message.accountSid) {
      const service = await tx.services.findByPhoneNumber(owned.sid);
      if (service && !scopes.includes(service.sid)) scopes.push(service.sid);
    }
  }
  return tx.optOuts.isBlocked(scopes, message.to);
}
