import type { Carrier } from './carrier.js';

/**
 * Twilio's generic delivery failure (twilio.com/docs/api/errors/30008, "Unknown error"): with no
 * carrier to hand a message to, it fails at dispatch. Twilio has no code for "no route
 * configured"; 30008 is what it reports when it cannot say more.
 */
export const NO_CARRIER_ERROR = { errorCode: 30008, errorMessage: 'Unknown error' } as const;

/** The carrier when the simulator is off and no other is configured: every message fails. */
export const noCarrier: Carrier = {
  name: 'none',
  submit: () => Promise.resolve({ ok: false, ...NO_CARRIER_ERROR }),
};
