import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeKind } from '../../machines/describe';
import { kindOf, registry, versionsOf } from '../../machines/registry';
import type { Store } from '../../store/db';
import { HttpError } from '../errors';
import { answers, kindDescriptionSchema, kindListSchema, type KindDescription } from '../schemas';

// Descriptions are read off the machines, which never change while the server runs. Their JSON Schemas
// (zod's own type, wider than what screens read) are the documents KindDescription names.
const descriptions = new Map<string, KindDescription>(Object.values(registry).map((kind) => [kind.name, describeKind(kind) as KindDescription]));

export const kindRoutes =
  (deps: { store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/kinds', { schema: { response: answers({ 200: kindListSchema }), summary: 'Every process kind: states, events (JSON Schema), who may send them, diagram' } }, async () => ({
      items: [...descriptions.values()],
    }));

    app.get(
      '/kinds/:kind',
      { schema: { params: z.object({ kind: z.string().max(100) }), response: answers({ 200: kindDescriptionSchema }), summary: 'One kind, with the table of state × allowed events × role (R24)' } },
      async (request) => {
        const kind = kindOf(request.params.kind);
        if (!kind) throw new HttpError(404, 'unknown_kind', `"${request.params.kind}" is not a process kind; the kinds are ${[...descriptions.keys()].join(', ')}.`);
        // `version` is what new processes start on; `versions` every version still loadable, with how many open processes run on each.
        const open = new Map((await deps.store.kindMigrations.runningVersions(kind.name)).map((r) => [r.version, r.open]));
        return { ...descriptions.get(kind.name)!, versions: versionsOf(kind.name).map((k) => ({ version: k.version, open: open.get(k.version) ?? 0 })) };
      },
    );
  };
