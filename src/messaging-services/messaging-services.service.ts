import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest, notFound } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { offsetPaging, readPageParams } from '../http/paging.js';
import { offsetEnvelopeV1 } from '../http/paging-v1.js';
import type { Account, MessagingService, ServicePhoneNumber } from '../store/records.js';
import type { Store } from '../store/store.js';
import { toServiceJson, toServicePhoneNumberJson } from './messaging-services.mapper.js';
import {
  defaultServiceConfig,
  missingParameter,
  readServiceConfig,
  readServiceName,
} from './messaging-services.params.js';

/** Twilio's default limit on a service's sender pool (21714 beyond it). */
export const POOL_LIMIT = 400;

const PN_SID = /^PN[0-9a-fA-F]{32}$/;

/** Dependencies of the Messaging Services service. */
export interface ServicesDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
}

/** The Messaging v1 Service resource and its PhoneNumbers subresource, independent of HTTP. */
export function messagingServicesService(deps: ServicesDeps) {
  const { store, clock, ids } = deps;
  const mustGet = async (account: Account, sid: string, path: string) => {
    const s = await store.services.get(account.sid, sid);
    if (!s) throw notFound(path);
    return s;
  };

  return {
    /** Creates a service from a CreateServiceRequest form; FriendlyName is required (20001). */
    async create(account: Account, params: FormParams): Promise<MessagingService> {
      const friendlyName = readServiceName(params);
      if (!friendlyName) throw missingParameter('FriendlyName');
      const config = readServiceConfig(params, defaultServiceConfig());
      const now = clock.now();
      const service: MessagingService = {
        sid: ids.sid('MG'),
        accountSid: account.sid,
        friendlyName,
        config,
        dateCreated: now,
        dateUpdated: now,
      };
      await store.services.insert(service);
      return service;
    },

    fetch: mustGet,

    /** Applies an UpdateServiceRequest form; only the fields sent change. */
    async update(
      account: Account,
      sid: string,
      path: string,
      params: FormParams,
    ): Promise<MessagingService> {
      const current = await mustGet(account, sid, path);
      const name = readServiceName(params);
      if (name === '') throw badRequest(20001, 'FriendlyName cannot be empty');
      const updated: MessagingService = {
        ...current,
        friendlyName: name ?? current.friendlyName,
        config: readServiceConfig(params, current.config),
        dateUpdated: clock.now(),
      };
      await store.services.update(updated);
      return updated;
    },

    /** Deletes the service, its pool links and sticky senders (the numbers stay owned). */
    async remove(account: Account, sid: string, path: string): Promise<void> {
      if (!(await store.services.delete(account.sid, sid))) throw notFound(path);
    },

    /** One page of the account's services, oldest first, in the v1 envelope. */
    async list(
      account: Account,
      url: string,
      params: FormParams,
      origin: string,
    ): Promise<Record<string, unknown>> {
      const paging = readPageParams(params);
      const { offset, limit } = offsetPaging(paging);
      const rows = await store.services.list(account.sid, { offset, limit });
      return offsetEnvelopeV1({
        key: 'services',
        url,
        filters: [],
        params: paging,
        offset,
        rows: rows.map((s) => toServiceJson(s, origin)),
      });
    },

    /**
     * Adds an IncomingPhoneNumber the account owns to the pool. 20001 without PhoneNumberSid;
     * 21421 when it is malformed or not the account's; 21715 without SMS or MMS capability;
     * 21712 when another service holds it; 21710 when this one already does; 21714 past 400.
     */
    async addPhoneNumber(
      account: Account,
      serviceSid: string,
      path: string,
      params: FormParams,
    ): Promise<ServicePhoneNumber> {
      const service = await mustGet(account, serviceSid, path);
      const pnSid = single(params, 'PhoneNumberSid')?.trim();
      if (!pnSid) throw missingParameter('PhoneNumberSid');
      if (!PN_SID.test(pnSid)) {
        throw badRequest(21421, `PhoneNumberSid '${pnSid}' is not a valid Phone Number SID`);
      }
      const number = await store.phoneNumbers.get(account.sid, pnSid);
      if (!number) {
        throw badRequest(21421, `Phone Number ${pnSid} is not a phone number of this account`);
      }
      const caps = number.config.capabilities;
      if (!caps.sms && !caps.mms) {
        throw badRequest(
          21715,
          `Phone Number ${number.phoneNumber} does not have SMS or MMS capabilities`,
        );
      }
      if ((await store.services.pool(service.sid)).length >= POOL_LIMIT) {
        throw badRequest(
          21714,
          `The Messaging Service already has the maximum of ${POOL_LIMIT} phone numbers`,
        );
      }
      const outcome = await store.services.addPhoneNumber({
        serviceSid: service.sid,
        phoneNumberSid: number.sid,
        accountSid: account.sid,
        phoneNumber: number.phoneNumber,
        dateCreated: clock.now(),
      });
      if (outcome === 'in_other_service') {
        throw badRequest(
          21712,
          `Phone Number ${number.phoneNumber} is associated with another Messaging Service`,
        );
      }
      if (outcome === 'already_in_service') {
        throw badRequest(
          21710,
          `Phone Number ${number.phoneNumber} is already in the Messaging Service`,
        );
      }
      const link = await store.services.getPhoneNumber(service.sid, number.sid);
      // Released between the ownership check and the insert: the pool read hides it.
      if (!link)
        throw badRequest(21421, `Phone Number ${pnSid} is not a phone number of this account`);
      return link;
    },

    /** A pool number; 404 when the service or the number is not there. */
    async fetchPhoneNumber(
      account: Account,
      serviceSid: string,
      sid: string,
      path: string,
    ): Promise<ServicePhoneNumber> {
      await mustGet(account, serviceSid, path);
      const link = await store.services.getPhoneNumber(serviceSid, sid);
      if (!link) throw notFound(path);
      return link;
    },

    /** Takes a number out of the pool; the account keeps the number. */
    async removePhoneNumber(
      account: Account,
      serviceSid: string,
      sid: string,
      path: string,
    ): Promise<void> {
      await mustGet(account, serviceSid, path);
      if (!(await store.services.removePhoneNumber(serviceSid, sid))) throw notFound(path);
    },

    /** One page of the pool, in the order numbers were added, in the v1 envelope. */
    async listPhoneNumbers(
      account: Account,
      serviceSid: string,
      path: string,
      url: string,
      params: FormParams,
      origin: string,
    ): Promise<Record<string, unknown>> {
      await mustGet(account, serviceSid, path);
      const paging = readPageParams(params);
      const { offset, limit } = offsetPaging(paging);
      const rows = await store.services.listPhoneNumbers(serviceSid, { offset, limit });
      return offsetEnvelopeV1({
        key: 'phone_numbers',
        url,
        filters: [],
        params: paging,
        offset,
        rows: rows.map((n) => toServicePhoneNumberJson(n, origin)),
      });
    },
  };
}

/** The service's type, for route wiring. */
export type MessagingServicesService = ReturnType<typeof messagingServicesService>;
