import { badRequest, type TwilioError } from '../http/errors.js';

// Twilio's test-credential "magic numbers" (docs: iam/test-credentials). Loft honours them for
// every account so an app's error handling can be exercised without special credentials.

/** The magic `From` values and the error each provokes; `+15005550006` always passes. */
export const MAGIC_FROM: Record<string, () => TwilioError> = {
  '+15005550001': () =>
    badRequest(
      21212,
      "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.",
    ),
  '+15005550007': () =>
    badRequest(
      21606,
      "The 'From' phone number provided (+15005550007) is not a valid message-capable Twilio phone number for this destination/account.",
    ),
  '+15005550008': () =>
    badRequest(
      21611,
      "This 'From' number (+15005550008) has exceeded the maximum number of queued messages",
    ),
};

/** The magic sender that passes every check without being owned. */
export const MAGIC_FROM_OK = '+15005550006';

/** The magic `To` values and the error each provokes. */
export const MAGIC_TO: Record<string, () => TwilioError> = {
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
