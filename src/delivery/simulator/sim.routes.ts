import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import type { Clock } from '../../clock.js';
import { authorizeAccount } from '../../http/auth.js';
import { badRequest, notFound } from '../../http/errors.js';
import type { SimRuleScope, Store } from '../../store/store.js';
import type { SimNetwork } from './sim.network.js';
import { SimRuleError, type SimRule } from './sim.rules.js';
import { actsFor, requireAdmin, type SimCaller } from './sim.auth.js';
import { chaosBody, ruleBody, rulesBody, settingsBody } from './sim.schemas.js';

const asBadRequest = async <T>(fn: () => T | Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SimRuleError) throw badRequest(20001, e.message);
    throw e;
  }
};

/**
 * The simulated carrier network's control API under `/sim/…` (JSON): failure-injection rules,
 * the global chaos mix and network settings. Every route needs credentials (see `simAuth`).
 * Chaos, settings and network-wide rules are the main account's (its auth token); any account
 * manages rules for its own messages (and a parent for its subaccounts').
 */
export function simRoutes(
  app: FastifyInstance,
  deps: {
    store: Store;
    clock: Clock;
    network: SimNetwork;
    caller: (req: FastifyRequest) => SimCaller;
  },
): void {
  const { network, store } = deps;

  /** Whose rule a new one is: `accountSid` as given, else network-wide for the main account. */
  const ownerOf = async (caller: SimCaller, input: unknown): Promise<string | null> => {
    const given = (input as { accountSid?: unknown } | null)?.accountSid;
    if (given === undefined) return caller.admin ? null : caller.principal.account.sid;
    if (given === null) {
      requireAdmin(caller);
      return null;
    }
    if (typeof given !== 'string') throw badRequest(20001, 'accountSid must be an account SID');
    // Another account's SID is 401/20003, as on the API's /Accounts/{AccountSid}/… paths.
    return (await authorizeAccount(store, caller.principal, given)).sid;
  };
  const parse = async (caller: SimCaller, input: unknown): Promise<SimRule> => {
    const owner = await ownerOf(caller, input);
    return asBadRequest(() => network.parseRule(input, owner));
  };
  /** The rules the caller sees: all for the main account; else its own, its subaccounts', and network-wide. */
  const visible = async (caller: SimCaller): Promise<SimRule[]> => {
    const { rules } = await network.view(store);
    if (caller.admin) return [...rules];
    const out: SimRule[] = [];
    for (const r of rules) {
      if (r.accountSid === null || (await actsFor(store, caller, r.accountSid))) out.push(r);
    }
    return out;
  };
  /** The rules a caller replaces or removes: every rule for the main account, else its own family's. */
  const scopeOf = async (caller: SimCaller): Promise<SimRuleScope> => {
    if (caller.admin) return 'all';
    const owners = new Set<string>([caller.principal.account.sid]);
    for (const r of await visible(caller)) if (r.accountSid !== null) owners.add(r.accountSid);
    return [...owners];
  };

  app.get('/sim/rules', async (req) => ({ rules: await visible(deps.caller(req)) }));
  app.put('/sim/rules', { schema: { body: rulesBody } }, async (req) => {
    const caller = deps.caller(req);
    const body = req.body as { rules?: unknown } | unknown[];
    const inputs = (Array.isArray(body) ? body : body?.rules) ?? [];
    if (!Array.isArray(inputs)) throw badRequest(20001, 'rules must be an array');
    const rules: SimRule[] = [];
    for (const input of inputs) rules.push(await parse(caller, input));
    return { rules: await network.replaceRules(store, await scopeOf(caller), rules) };
  });
  app.post('/sim/rules', { schema: { body: ruleBody } }, async (req, reply) => {
    const rule = await parse(deps.caller(req), req.body);
    reply.code(201);
    return network.addRule(store, rule);
  });
  app.delete('/sim/rules', async (req, reply) => {
    await network.replaceRules(store, await scopeOf(deps.caller(req)), []);
    return reply.code(204).send();
  });
  app.delete('/sim/rules/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await network.removeRule(store, await scopeOf(deps.caller(req)), id))) {
      throw notFound(req.url);
    }
    return reply.code(204).send();
  });

  // Chaos and settings act on every account's traffic: the main account's only.
  // Route-level onRequest: after authentication, before the body is parsed or validated.
  const admin = {
    onRequest: (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      requireAdmin(deps.caller(req));
      done();
    },
  };
  app.get('/sim/chaos', admin, async () => ({ chaos: (await network.view(store)).chaos }));
  app.put('/sim/chaos', { ...admin, schema: { body: chaosBody } }, async (req) => ({
    chaos: await asBadRequest(() => network.setChaos(store, req.body ?? null)),
  }));
  app.delete('/sim/chaos', admin, async (_req, reply) => {
    await network.setChaos(store, null);
    return reply.code(204).send();
  });

  app.get('/sim/settings', admin, async () => (await network.view(store)).settings);
  app.patch('/sim/settings', { ...admin, schema: { body: settingsBody } }, async (req) => {
    const b = (req.body ?? {}) as { deliveryDelayMs?: unknown; seed?: unknown };
    const patch: { deliveryDelayMs?: number; seed?: string } = {};
    if (b.deliveryDelayMs !== undefined) {
      const d = Number(b.deliveryDelayMs);
      if (!(Number.isInteger(d) && d >= 0 && d <= 86_400_000))
        throw badRequest(20001, 'deliveryDelayMs must be an integer from 0 to 86400000');
      patch.deliveryDelayMs = d;
    }
    if (b.seed !== undefined) {
      if (typeof b.seed !== 'string' && typeof b.seed !== 'number')
        throw badRequest(20001, 'seed must be a string');
      patch.seed = String(b.seed);
    }
    return network.setSettings(store, patch);
  });
}
