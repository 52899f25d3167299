import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import { badRequest, notFound } from '../../http/errors.js';
import type { Store } from '../../store/store.js';
import type { SimNetwork } from './sim.network.js';
import { SimRuleError } from './sim.rules.js';
import { chaosBody, ruleBody, rulesBody, settingsBody } from './sim.schemas.js';

const asBadRequest = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SimRuleError) throw badRequest(20001, e.message);
    throw e;
  }
};

/**
 * The simulated carrier network's control API under `/sim/…` (JSON): failure-injection rules,
 * the global chaos mix, network settings, and each virtual handset's inbox.
 */
export function simRoutes(
  app: FastifyInstance,
  deps: { store: Store; clock: Clock; network: SimNetwork },
): void {
  const { network } = deps;

  app.get('/sim/rules', async () => ({ rules: network.listRules() }));
  app.put<{ Body: { rules?: unknown[] } | unknown[] | undefined }>(
    '/sim/rules',
    { schema: { body: rulesBody } },
    async (req) => {
      const body = req.body;
      const rules = Array.isArray(body) ? body : body?.rules;
      return { rules: asBadRequest(() => network.setRules(rules ?? [])) };
    },
  );
  app.post('/sim/rules', { schema: { body: ruleBody } }, async (req, reply) => {
    reply.code(201);
    return asBadRequest(() => network.addRule(req.body));
  });
  app.delete('/sim/rules', async (_req, reply) => {
    network.setRules([]);
    return reply.code(204).send();
  });
  app.delete('/sim/rules/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!network.removeRule(id)) throw notFound(req.url);
    return reply.code(204).send();
  });

  app.get('/sim/chaos', async () => ({ chaos: network.getChaos() }));
  app.put('/sim/chaos', { schema: { body: chaosBody } }, async (req) => ({
    chaos: asBadRequest(() => network.setChaos(req.body ?? null)),
  }));
  app.delete('/sim/chaos', async (_req, reply) => {
    network.setChaos(null);
    return reply.code(204).send();
  });

  app.get('/sim/settings', async () => network.settings);
  app.patch<{ Body: { deliveryDelayMs?: unknown; seed?: unknown } | undefined }>(
    '/sim/settings',
    { schema: { body: settingsBody } },
    async (req) => {
      const b = req.body ?? {};
      if (b.deliveryDelayMs !== undefined) {
        const d = Number(b.deliveryDelayMs);
        if (!(Number.isInteger(d) && d >= 0 && d <= 86_400_000))
          throw badRequest(20001, 'deliveryDelayMs must be an integer from 0 to 86400000');
        network.settings.deliveryDelayMs = d;
      }
      if (b.seed !== undefined) {
        if (typeof b.seed !== 'string' && typeof b.seed !== 'number')
          throw badRequest(20001, 'seed must be a string');
        network.settings.seed = String(b.seed);
      }
      return network.settings;
    },
  );
}
