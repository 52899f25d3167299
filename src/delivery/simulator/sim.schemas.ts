import { MATCH_LIMITS } from './sim.match.js';

// JSON schemas of the /sim request bodies. They fix types and sizes; the handlers still check
// meaning (outcome names, probabilities) with their own messages. Schemas apply to JSON bodies
// only (`content`), so a request without a body keeps its documented meaning.

/** Largest number of rules in one `PUT /sim/rules`, and of branches in one mix. */
export const SIM_BODY_LIMITS = { rules: 1000, mix: 32 } as const;

const json = (schema: object) => ({ content: { 'application/json': { schema } } });

const outcome = {
  anyOf: [
    { type: 'string', maxLength: 64 },
    {
      type: 'object',
      properties: {
        status: { type: 'string', maxLength: 32 },
        errorCode: { type: ['integer', 'string'], maxLength: 16 },
      },
    },
  ],
};

const delayMs = { type: 'integer', minimum: 0 };

const mix = {
  type: 'array',
  maxItems: SIM_BODY_LIMITS.mix,
  items: {
    type: 'object',
    properties: { probability: { type: 'number' }, outcome },
  },
};

const rule = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 64 },
    accountSid: { type: ['string', 'null'], maxLength: 64 },
    match: { type: 'string', maxLength: MATCH_LIMITS.length },
    outcome,
    mix,
    delayMs,
  },
};

const rules = { type: 'array', maxItems: SIM_BODY_LIMITS.rules, items: rule };

/** `POST /sim/rules`: one rule. */
export const ruleBody = json(rule);

/** `PUT /sim/rules`: an array of rules, or `{rules: [...]}`. */
export const rulesBody = json({
  anyOf: [rules, { type: 'object', properties: { rules } }],
});

/** `PUT /sim/chaos`: `{mix, delayMs}`, or null to clear. */
export const chaosBody = json({
  anyOf: [{ type: 'null' }, { type: 'object', properties: { mix, delayMs } }],
});

/** `PATCH /sim/settings`. */
export const settingsBody = json({
  type: 'object',
  properties: {
    deliveryDelayMs: { type: 'integer', minimum: 0, maximum: 86_400_000 },
    seed: { type: ['string', 'number'], maxLength: 256 },
  },
});

/** `POST /sim/handsets/{E164}/messages`: what a virtual handset texts. */
export const handsetMessageBody = json({
  type: 'object',
  properties: {
    to: { type: 'string', maxLength: 64 },
    body: { type: 'string', maxLength: 1600 },
    mediaUrls: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 2048 } },
  },
});
