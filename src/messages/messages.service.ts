import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest, notFound, TwilioError } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import type { Account, Message } from '../store/records.js';
import type {
  IdempotencyKey,
  NewMedia,
  OutboxEntry,
  OutboxJob,
  OutboxLease,
  Store,
  StoredMessage,
} from '../store/store.js';
import { mediaUrlsOf } from '../media/media.fetch.js';
import { pendingMedia } from '../media/media.pending.js';
import { groupCommit } from '../store/group-commit.js';
import { buildOutbound } from './messages.create.js';
import type { Credentials } from '../http/auth.js';
import type { StatusCallbacks } from '../delivery/lifecycle.js';
import {
  IDEMPOTENCY_KEY_TTL_MS,
  keyMessageGone,
  keyReused,
  requestFingerprint,
} from './messages.idempotency.js';

/** Told about every message that enters the store; the delivery pipeline subscribes here. */
export interface MessageSink {
  /**
   * A lease for the new message's job, when this process will run the job itself straight
   * after the commit (the job is then stored leased, and `accepted` gets it).
   */
  lease?(outbox: OutboxEntry): OutboxLease | undefined;
  /**
   * Called after the message and its outbox entry are committed, with the job when it was
   * stored with a lease from `lease`. Must not throw or block.
   */
  accepted(message: Message, job?: OutboxJob): void;
}

/** A new outbound message as the create writes it: with its job and its (empty) Media. */
interface NewOutbound {
  message: Message;
  outbox: OutboxEntry;
  media: NewMedia[];
  /** The create's `Idempotency-Key`: the message is stored only if the key is claimed. */
  key?: IdempotencyKey;
}

/** What a create with an `Idempotency-Key` answers. */
export interface CreatedOnce {
  message: Message;
  /** The key was known: `message` is the one an earlier create made; nothing was created. */
  replayed: boolean;
}

/** Dependencies of the Messages service. */
export interface MessagesDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  sink?: MessageSink;
  /** Status callbacks for changes made through the API (a cancel). */
  callbacks?: StatusCallbacks;
  /** Sender backlog under pacing (21611 at create past 10 h). */
  backlogMs?: (sender: string, now: number) => number;
}

/** The Message resource's operations, independent of HTTP. */
export function messagesService(deps: MessagesDeps) {
  const { store, clock } = deps;
  // Creates arriving together share one transaction (and one commit). An MMS's Media rows go
  // into the same transaction, so num_media and the Media list agree from the first read on;
  // so do Idempotency-Keys, so a key is stored if and only if its message is. An item whose key
  // another create holds (in this batch, or committed, or committing elsewhere) is not
  // written: undefined.
  const insert = groupCommit(
    (items: NewOutbound[]): Promise<(StoredMessage | undefined)[]> =>
      items.some((i) => i.media.length > 0 || i.key)
        ? store.transaction(async (tx) => {
            const claimed = await claimKeys(tx, items);
            const writing = items.filter((i) => !i.key || claimed.has(i.message.sid));
            const stored = writing.length > 0 ? await tx.messages.insertMany(writing) : [];
            await tx.media.insertMany(writing.flatMap((i) => i.media));
            const bySid = new Map(stored.map((s) => [s.message.sid, s]));
            return items.map((i) => bySid.get(i.message.sid));
          })
        : store.messages.insertMany(items),
    { concurrency: store.capabilities.writers },
  );
  /** Claims the batch's keys: the first create of each (account, key) in it competes. */
  const claimKeys = async (tx: Store, items: NewOutbound[]): Promise<Set<string>> => {
    const first = new Map<string, IdempotencyKey>();
    for (const { key } of items) {
      const id = key && JSON.stringify([key.accountSid, key.key]);
      if (key && id && !first.has(id)) first.set(id, key);
    }
    if (first.size === 0) return new Set();
    return tx.idempotencyKeys.claim([...first.values()], clock.now() - IDEMPOTENCY_KEY_TTL_MS);
  };
  /**
   * What an earlier create with this key answers, if the key is known: its message (as it is
   * now). 422 when the key came with other parameters; 409 when its message was deleted. A
   * redacted or deleted message's key has no fingerprint left: any parameters match.
   */
  const replay = async (
    account: Account,
    key: string,
    fingerprint: string,
  ): Promise<CreatedOnce | undefined> => {
    const known = await store.idempotencyKeys.get(
      account.sid,
      key,
      clock.now() - IDEMPOTENCY_KEY_TTL_MS,
    );
    if (!known) return undefined;
    if (known.fingerprint !== null && known.fingerprint !== fingerprint) throw keyReused(key);
    const message = await store.messages.get(account.sid, known.messageSid);
    if (!message) throw keyMessageGone(key, known.messageSid);
    return { message, replayed: true };
  };
  /** Stores a built message (unless its key is taken); tells the sink. */
  const write = async (
    built: { message: Message; outbox: OutboxEntry },
    key?: IdempotencyKey,
  ): Promise<Message | undefined> => {
    const { message, outbox } = built;
    const lease = deps.sink?.lease?.(outbox);
    const media = pendingMedia(deps.ids, message, mediaUrlsOf(message));
    const stored = await insert({
      message,
      outbox: lease ? { ...outbox, lease } : outbox,
      media,
      ...(key && { key }),
    });
    if (!stored) return undefined;
    deps.sink?.accepted(stored.message, stored.job);
    return stored.message;
  };
  const mustGet = async (account: Account, sid: string, path: string): Promise<Message> => {
    const m = await store.messages.get(account.sid, sid);
    if (!m) throw notFound(path);
    return m;
  };
  return {
    /**
     * Validates and stores an outbound message with its dispatch job, atomically. With test
     * credentials the message is validated and answered the same way, then dropped: never
     * stored, sent or called back (twilio.com/docs/iam/test-credentials).
     */
    async create(
      account: Account,
      params: FormParams,
      credentials: Credentials = 'live',
    ): Promise<Message> {
      const built = await buildOutbound(deps, account, params, credentials);
      if (credentials === 'test') return built.message;
      return (await write(built)) as Message;
    },

    /**
     * {@link create} with an `Idempotency-Key` (Loft's extension): the first create with the
     * key stores the key with its message, in one transaction; another within 24 h answers
     * that message instead of creating one (a replay), or 422 with other parameters. Of
     * concurrent creates with one key, one creates; the others wait for it and replay. Only a
     * created message is remembered: a refused create (4xx) is validated afresh when retried.
     * Test credentials store nothing, keys included: the key is ignored.
     */
    async createOnce(
      account: Account,
      params: FormParams,
      key: string,
      credentials: Credentials = 'live',
    ): Promise<CreatedOnce> {
      if (credentials === 'test') {
        const { message } = await buildOutbound(deps, account, params, credentials);
        return { message, replayed: false };
      }
      const fingerprint = requestFingerprint(params);
      const earlier = await replay(account, key, fingerprint);
      if (earlier) return earlier;
      const built = await buildOutbound(deps, account, params, credentials);
      const message = await write(built, {
        accountSid: account.sid,
        key,
        fingerprint,
        messageSid: built.message.sid,
        createdAt: built.message.dateCreated,
      });
      if (message) return { message, replayed: false };
      // Another create holds the key, committed by now (a claim waits for it): answer as it.
      const winner = await replay(account, key, fingerprint);
      if (winner) return winner;
      throw new TwilioError(409, 20001, `A create with Idempotency-Key '${key}' is in progress`);
    },

    fetch: mustGet,

    /**
     * Redacts (`Body=`) or cancels (`Status=canceled`). Twilio answers 30400 for any other
     * combination and 30409 when the message is no longer scheduled.
     */
    async update(
      account: Account,
      sid: string,
      path: string,
      params: FormParams,
    ): Promise<Message> {
      const body = single(params, 'Body');
      const status = single(params, 'Status');
      if ((body === undefined) === (status === undefined) || (body !== undefined && body !== '')) {
        throw badRequest(
          30400,
          'Parameters are not valid: send either Body= (empty) or Status=canceled',
        );
      }
      if (status !== undefined) {
        if (status !== 'canceled') {
          throw badRequest(
            30400,
            `Parameters are not valid: Status must be 'canceled', not '${status}'`,
          );
        }
        const now = clock.now();
        const r = await store.transaction(async (tx) => {
          const res = await tx.messages.cancel(account.sid, sid, now);
          if (typeof res === 'object') await deps.callbacks?.(tx, res, now);
          return res;
        });
        if (r === 'not_found') throw notFound(path);
        if (r === 'conflict') throw badRequest(30409, 'This message cannot be canceled');
        return r;
      }
      const redacted = await store.messages.redact(account.sid, sid, clock.now());
      if (redacted === 'not_found') throw notFound(path);
      // Twilio documents redaction for "post-flight" messages only (the Update operation in its
      // older OpenAPI specs); what it answers for an unsent one is unsourced. Loft refuses, so
      // the original is neither sent after a 200 nor replaced by an empty text.
      if (redacted === 'in_progress') {
        throw new TwilioError(
          409,
          20009,
          'Cannot redact this message before it is sent: wait until it is sent, or cancel a scheduled message with Status=canceled',
        );
      }
      return redacted;
    },

    /**
     * Deletes a finished message; 20009 while it is still being processed, or `sent` without a
     * final delivery report (twilio.com/docs/api/errors/20009).
     */
    async remove(account: Account, sid: string, path: string): Promise<void> {
      const outcome = await store.messages.delete(account.sid, sid);
      if (outcome === 'not_found') throw notFound(path);
      if (outcome === 'in_progress') {
        throw new TwilioError(409, 20009, 'Cannot delete this resource before it is complete');
      }
    },
  };
}

/** The service's type, for route wiring. */
export type MessagesService = ReturnType<typeof messagesService>;
