import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest, notFound, TwilioError } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import type { Account, Message } from '../store/records.js';
import type {
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
  // into the same transaction, so num_media and the Media list agree from the first read on.
  const insert = groupCommit(
    (items: NewOutbound[]): Promise<StoredMessage[]> =>
      items.some((i) => i.media.length > 0)
        ? store.transaction(async (tx) => {
            const stored = await tx.messages.insertMany(items);
            await tx.media.insertMany(items.flatMap((i) => i.media));
            return stored;
          })
        : store.messages.insertMany(items),
    { concurrency: store.capabilities.writers },
  );
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
      const { message, outbox } = await buildOutbound(deps, account, params, credentials);
      if (credentials === 'test') return message;
      const lease = deps.sink?.lease?.(outbox);
      const media = pendingMedia(deps.ids, message, mediaUrlsOf(message));
      const stored = await insert({
        message,
        outbox: lease ? { ...outbox, lease } : outbox,
        media,
      });
      deps.sink?.accepted(stored.message, stored.job);
      return stored.message;
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
