import { badRequest, type TwilioError } from '../http/errors.js';

// Twilio's test-credential "magic numbers" (twilio.com/docs/iam/test-credentials). They apply
// only to requests made with test credentials; with live credentials they are ordinary numbers,
// as on Twilio (failure injection for live sends is the simulator's rules, under /sim).

/** 21606: the `From` is not a message-capable number of this account. */
export const notMessageCapable = (from: string): TwilioError =>
  badRequest(
    21606,
    `The 'From' phone number provided (${from}) is not a valid message-capable Twilio phone number for this destination/account.`,
  );

/** The magic `From` values and the error each provokes; `+15005550006` always passes. */
const MAGIC_FROM: Record<string, () => TwilioError> = {
  '+15005550001': () =>
    badRequest(
      21212,
      "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.",
    ),
  '+15005550007': () => notMessageCapable('+15005550007'),
  '+15005550008': () =>
    badRequest(
      21611,
      "This 'From' number (+15005550008) has exceeded the maximum number of queued messages",
    ),
};

/** The magic sender that passes every check; with test credentials, the only one that does. */
export const MAGIC_FROM_OK = '+15005550006';

/** The magic `To` values and the error each provokes. */
const MAGIC_TO: Record<string, () => TwilioError> = {
  '+15005550001': () =>
    badRequest(21211, "The 'To' number +15005550001 is not a valid phone number."),
  '+15005550002': () =>
    badRequest(
      21612,
      "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS.",
    ),
  '+15005550003': () =>
    badRequest(
      21408,
      "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003.",
    ),
  '+15005550004': () => badRequest(21610, 'Attempt to send to unsubscribed recipient'),
  '+15005550009': () => badRequest(21614, "'To' number +15005550009 is not a valid mobile number"),
};

/** A check that throws the error a value of `table` provokes; other values pass. */
const provoker =
  (table: Record<string, () => TwilioError>) =>
  (raw: string): void => {
    const v = raw.trim();
    if (Object.hasOwn(table, v)) throw table[v]!();
  };

/** Throws the error a magic `To` provokes (test credentials); other values pass. */
export const magicTo = provoker(MAGIC_TO);

/** Throws the error a magic `From` provokes (test credentials); other values pass. */
export const magicFrom = provoker(MAGIC_FROM);
