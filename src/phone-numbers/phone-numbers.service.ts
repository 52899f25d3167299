import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest, notFound } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { offsetEnvelope, offsetPaging, readPageParams } from '../http/paging.js';
import { readBoolean } from '../messages/messages.params.js';
import { checkNumberApplications } from '../applications/applications.check.js';
import type { Account, PhoneNumber, PhoneNumberConfig } from '../store/records.js';
import type { Store } from '../store/store.js';
import { insertExact, insertInAreaCode, readNumberRequest } from './phone-numbers.create.js';
import { defaultFriendlyName } from './phone-numbers.format.js';
import { toPhoneNumberJson } from './phone-numbers.mapper.js';
import { defaultConfig, readConfig, readFriendlyName } from './phone-numbers.params.js';

/** Dependencies of the IncomingPhoneNumbers service. */
export interface PhoneNumbersDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
}

/**
 * The SQL LIKE pattern for a `PhoneNumber` list filter: a partial number matched anywhere, `*`
 * standing for any one digit, formatting characters ignored. `null` when it can match nothing;
 * `undefined` when it filters nothing (only formatting characters).
 */
export function phoneNumberPattern(raw: string): string | null | undefined {
  const cleaned = raw.replace(/[\s().-]/g, '');
  if (cleaned === '') return undefined;
  if (!/^\+?[0-9*]+$/.test(cleaned)) return null;
  return `%${cleaned.replaceAll('*', '_')}%`;
}

/** The application SIDs a create/update form sets (as stored in `config`), by wire name. */
const applicationsOf = (params: FormParams, config: PhoneNumberConfig) =>
  (
    [
      ['SmsApplicationSid', config.smsApplicationSid],
      ['VoiceApplicationSid', config.extra['VoiceApplicationSid']],
    ] as const
  ).filter(([field]) => single(params, field) !== undefined);

/** The IncomingPhoneNumber resource's operations, independent of HTTP. */
export function phoneNumbersService(deps: PhoneNumbersDeps) {
  const { store, clock, ids } = deps;
  const mustGet = async (account: Account, sid: string, path: string): Promise<PhoneNumber> => {
    const n = await store.phoneNumbers.get(account.sid, sid);
    if (!n) throw notFound(path);
    return n;
  };
  return {
    /**
     * Buys `PhoneNumber` (21421 invalid, 21422 owned by anyone) or a free number in `AreaCode`
     * (21451, 21452), with the webhook settings of the form.
     */
    async create(account: Account, params: FormParams): Promise<PhoneNumber> {
      const request = readNumberRequest(params);
      const friendlyName = readFriendlyName(params);
      const config = readConfig(params, defaultConfig());
      await checkNumberApplications(store, account, applicationsOf(params, config), 'create');
      const now = clock.now();
      const sid = ids.sid('PN');
      const build = (e164: string): PhoneNumber => ({
        sid,
        accountSid: account.sid,
        phoneNumber: e164,
        friendlyName: friendlyName || defaultFriendlyName(e164),
        config,
        dateCreated: now,
        dateUpdated: now,
      });
      return request.kind === 'number'
        ? insertExact(store, build(request.e164))
        : insertInAreaCode(store, ids, request.areaCode, build);
    },

    fetch: mustGet,

    /**
     * Updates the writable fields (not PhoneNumber). `FriendlyName=` restores the default name.
     * Moving the number to another account (`AccountSid`) is not supported: 400 / 20001.
     */
    async update(
      account: Account,
      sid: string,
      path: string,
      params: FormParams,
    ): Promise<PhoneNumber> {
      const current = await mustGet(account, sid, path);
      const target = single(params, 'AccountSid')?.trim();
      if (target && target !== account.sid) {
        throw badRequest(
          20001,
          'Transferring a phone number to another account (AccountSid) is not supported',
        );
      }
      const name = readFriendlyName(params);
      const config = readConfig(params, current.config);
      await checkNumberApplications(store, account, applicationsOf(params, config), 'update');
      const updated: PhoneNumber = {
        ...current,
        friendlyName:
          name === undefined
            ? current.friendlyName
            : name || defaultFriendlyName(current.phoneNumber),
        config,
        dateUpdated: clock.now(),
      };
      await store.phoneNumbers.update(updated);
      return updated;
    },

    /** Releases the number; 404 when the account does not own it. */
    async remove(account: Account, sid: string, path: string): Promise<void> {
      // Releasing a number also takes it out of any Messaging Service pool, atomically.
      const deleted = await store.transaction(async (tx) => {
        if (!(await tx.phoneNumbers.delete(account.sid, sid))) return false;
        await tx.services.unlinkPhoneNumber(sid);
        return true;
      });
      if (!deleted) throw notFound(path);
    },

    /**
     * One page of the account's numbers, oldest first, as Twilio's envelope. Filters:
     * `FriendlyName` (exact), `PhoneNumber` (partial, `*` = any digit), `Origin` (all Loft
     * numbers are `twilio`), `Beta` (Loft numbers are never beta, so always included).
     */
    async list(
      account: Account,
      path: string,
      params: FormParams,
    ): Promise<Record<string, unknown>> {
      const paging = readPageParams(params);
      const { offset, limit } = offsetPaging(paging);
      const filters: [string, string][] = [];
      const friendlyName = single(params, 'FriendlyName') || undefined;
      if (friendlyName !== undefined) filters.push(['FriendlyName', friendlyName]);
      if (readBoolean(params, 'Beta') !== undefined) {
        filters.push(['Beta', single(params, 'Beta') ?? '']);
      }
      const phone = single(params, 'PhoneNumber') || undefined;
      if (phone !== undefined) filters.push(['PhoneNumber', phone]);
      const origin = single(params, 'Origin') || undefined;
      if (origin !== undefined) filters.push(['Origin', origin]);

      const pattern = phone === undefined ? undefined : phoneNumberPattern(phone);
      const matchable = pattern !== null && (origin === undefined || origin === 'twilio');
      const rows = matchable
        ? await store.phoneNumbers.list(
            account.sid,
            {
              ...(pattern !== undefined && { phoneNumberLike: pattern }),
              ...(friendlyName !== undefined && { friendlyName }),
            },
            { offset, limit },
          )
        : [];
      const items = rows.map(toPhoneNumberJson);
      return offsetEnvelope('incoming_phone_numbers', path, filters, paging, offset, items);
    },
  };
}

/** The service's type, for route wiring. */
export type PhoneNumbersService = ReturnType<typeof phoneNumbersService>;
