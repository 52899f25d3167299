/** What an inbound keyword does, as Twilio reports it in the webhook's `OptOutType`. */
export type OptOutType = 'STOP' | 'START' | 'HELP';

/**
 * Twilio's default keyword lists (long codes, toll-free, Messaging Services). Opt-out: the
 * classic six plus `REVOKE` and `OPTOUT` (added after the FCC's 2024 consent-revocation rule).
 */
export const OPT_OUT_KEYWORDS: Readonly<Record<OptOutType, readonly string[]>> = {
  STOP: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  START: ['START', 'YES', 'UNSTOP'],
  HELP: ['HELP', 'INFO'],
};

/** The replies Twilio sends by default when no custom text is configured. */
export const DEFAULT_REPLIES: Readonly<Record<OptOutType, string>> = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START:
    'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
};

const BY_WORD: ReadonlyMap<string, OptOutType> = new Map(
  (Object.entries(OPT_OUT_KEYWORDS) as [OptOutType, readonly string[]][]).flatMap(([type, words]) =>
    words.map((w) => [w, type] as const),
  ),
);

/**
 * Classifies an inbound body the way Twilio's default handling does: only a message that is
 * exactly one keyword counts. Case and surrounding whitespace are ignored; anything else
 * (another word, punctuation such as `STOP.`) makes it an ordinary message.
 */
export function classifyKeyword(body: string): OptOutType | null {
  const word = body.trim();
  // ASCII letters only: `toUpperCase` would otherwise fold look-alikes (`ſtop`, `ınfo`) into keywords.
  if (!/^[A-Za-z]+$/.test(word)) return null;
  return BY_WORD.get(word.toUpperCase()) ?? null;
}
