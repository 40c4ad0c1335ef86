import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeKind } from '../../machines/describe';
import { kindOf, registry } from '../../machines/registry';
import { HttpError } from '../errors';
import type { KindDescription } from '../schemas';

// Descriptions are read off the machines, which never change while the server runs.
const descriptions = new Map<string, KindDescription>(Object.values(registry).map((kind) => [kind.name, describeKind(kind)]));

export const kindRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/kinds', { schema: { summary: 'Every process kind: states, events (JSON Schema), who may send them, diagram' } }, async () => ({
    items: [...descriptions.values()],
  }));

  app.get(
    '/kinds/:kind',
    { schema: { params: z.object({ kind: z.string().max(100) }), summary: 'One kind, with the table of state × allowed events × role (R24)' } },
    async (request) => {
      const kind = kindOf(request.params.kind);
      if (!kind) throw new HttpError(404, 'unknown_kind', `"${request.params.kind}" is not a process kind; the kinds are ${[...descriptions.keys()].join(', ')}.`);
      return descriptions.get(kind.name);
    },
  );
};
