import { randomBytes } from 'node:crypto';
import { defaultConfig } from '../../src/phone-numbers/phone-numbers.params.js';
import { defaultServiceConfig } from '../../src/messaging-services/messaging-services.params.js';
import type { Account, Message, MessagingService, PhoneNumber } from '../../src/store/records.js';

/** Epoch ms well past 2^31 and 2^32: 64-bit columns must round-trip as JS numbers. */
export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

/** A fresh SID with the given prefix (random, so records never collide across tests). */
export const randomSid = (prefix: string): string => prefix + randomBytes(16).toString('hex');

/** An active full account with a fresh SID and token; `over` replaces any field. */
export function accountRecord(over: Partial<Account> = {}): Account {
  const sid = randomSid('AC');
  return {
    sid,
    ownerAccountSid: sid,
    friendlyName: 'acct',
    authToken: randomBytes(16).toString('hex'),
    status: 'active',
    type: 'Full',
    dateCreated: T0,
    dateUpdated: T0,
    ...over,
  };
}

/** A queued outbound SMS of `accountSid` with a fresh SID; `over` replaces any field. */
export function messageRecord(accountSid: string, over: Partial<Message> = {}): Message {
  return {
    seq: 0,
    sid: randomSid('SM'),
    accountSid,
    direction: 'outbound-api',
    status: 'queued',
    from: '+14155550100',
    to: '+14155550101',
    body: 'hello',
    numSegments: 1,
    numMedia: 0,
    messagingServiceSid: null,
    errorCode: null,
    errorMessage: null,
    price: null,
    priceUnit: 'USD',
    dateCreated: T0,
    dateUpdated: T0,
    dateSent: null,
    sendAt: null,
    statusCallback: null,
    tags: {},
    options: {},
    carrierRef: null,
    ...over,
  };
}

/** A number of `accountSid` with a fresh SID and default settings; `over` replaces any field. */
export function phoneNumberRecord(
  accountSid: string,
  over: Partial<PhoneNumber> = {},
): PhoneNumber {
  return {
    sid: randomSid('PN'),
    accountSid,
    phoneNumber: '+14155550100',
    friendlyName: 'line',
    config: defaultConfig(),
    dateCreated: T0,
    dateUpdated: T0,
    ...over,
  };
}

/** A Messaging Service of `accountSid` with a fresh SID and default settings. */
export function serviceRecord(
  accountSid: string,
  over: Partial<MessagingService> = {},
): MessagingService {
  return {
    sid: randomSid('MG'),
    accountSid,
    friendlyName: 'svc',
    config: defaultServiceConfig(),
    dateCreated: T0,
    dateUpdated: T0,
    ...over,
  };
}
