import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProcessClient } from '../../engineClient';
import { kindOf, registry, versionsOf } from '../../machines/registry';
import type { Store } from '../../store/db';
import { HttpError } from '../errors';
import { planMigration } from '../migrationPlan';
import { migrationRequestSchema } from '../requests';
import { answers, migrationListSchema, migrationPlanSchema, migrationSchema } from '../schemas';

/** Ops move a kind's open processes to another version of it: a dry run first, then the migration itself. */
export const migrationRoutes =
  (deps: { client: ProcessClient; store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    // Before the body is read: a caller who may not migrate learns nothing more.
    app.addHook('onRequest', async (request) => {
      if (request.actor.role !== 'ops') throw new HttpError(403, 'ops_only', 'Only ops plan and run migrations.');
    });

    app.post(
      '/migrations',
      {
        bodyLimit: 1024 * 1024,
        schema: {
          body: migrationRequestSchema,
          response: answers({ 200: migrationPlanSchema.describe('The plan (dryRun): nothing changed'), 202: z.object({ id: z.string() }).describe('Started: follow it at GET /v1/migrations/:id') }),
          summary: 'Plan (dryRun) or run a migration of a kind’s open processes to another version',
        },
      },
      async (request, reply) => {
        const { kind: name, to, processIds, dryRun, mapping, perSecond } = request.body;
        const newest = kindOf(name);
        if (!newest) throw new HttpError(422, 'unknown_kind', `"${name.slice(0, 100)}" is not a process kind; the kinds are ${Object.keys(registry).join(', ')}.`);
        const target = kindOf(name, to);
        if (!target)
          throw new HttpError(422, 'unknown_version', `${name} has no version ${to}; its versions are ${versionsOf(name).map((k) => k.version).join(', ')}.`);
        if (processIds && new Set(processIds).size !== processIds.length) throw new HttpError(422, 'duplicate_process_ids', 'processIds names a process twice.');
        if (dryRun) {
          const ids = processIds ?? (await candidates(deps.store, name, to));
          return reply.status(200).send({ kind: name, to, items: await planMigration(deps, target, ids, mapping) });
        }
        // The batch's workflow (one id per kind) is the lock, not the row: a row left running by a request
        // that died before starting its batch blocks nothing.
        const busy = async () => {
          const running = await deps.client.runningMigration(name);
          if (!running) return undefined;
          const id = running.migrationId ?? (await deps.store.kindMigrations.running(name))?.id;
          return new HttpError(409, 'migration_running', `${id ? `Migration ${id}` : 'A migration'} of ${name} is still running; wait for it to finish${id ? ` (GET /v1/migrations/${id})` : ''}.`);
        };
        const refused = await busy();
        if (refused) throw refused;
        const id = randomUUID();
        // The row is written first: the batch's first activity reads it.
        await deps.store.kindMigrations.create({ id, kind: name, to, mapping: mapping ?? null, processIds: processIds ?? null, requestedBy: request.actor.id });
        let started: boolean;
        try {
          started = await deps.client.startMigration(name, id, perSecond);
        } catch (err) {
          // A start can fail after the engine took it (a lost answer): ask before taking the row back.
          const running = await deps.client.runningMigration(name).catch(() => undefined);
          if (running?.migrationId !== id) {
            await deps.store.kindMigrations.remove(id);
            throw err;
          }
          started = true;
        }
        if (!started) {
          // Lost a race with another request: this one changes nothing.
          await deps.store.kindMigrations.remove(id);
          throw (await busy()) ?? new HttpError(409, 'migration_running', `A migration of ${name} started at the same moment; wait for it to finish.`);
        }
        await deps.store.kindMigrations.finishOthers(name, id);
        return reply.status(202).send({ id });
      },
    );

    app.get('/migrations', { schema: { response: answers({ 200: migrationListSchema }), summary: 'Recent migrations, newest first' } }, async () => ({
      items: await Promise.all((await deps.store.kindMigrations.list(50)).map(async (m) => ({ ...m, ...(await deps.store.kindMigrations.counts(m.id)) }))),
    }));

    app.get(
      '/migrations/:id',
      {
        schema: {
          params: z.object({ id: z.string().max(100) }),
          response: answers({ 200: migrationSchema }),
          summary: 'A migration’s progress: moved, stayed, failed, and each process',
        },
      },
      async (request) => {
        const migration = await deps.store.kindMigrations.get(request.params.id);
        if (!migration) throw new HttpError(404, 'not_found', `No migration "${request.params.id.slice(0, 100)}".`);
        const counts = await deps.store.kindMigrations.counts(migration.id);
        return { ...migration, ...counts, items: await deps.store.kindMigrations.items(migration.id) };
      },
    );
  };

/** Every open process of the kind on another version than `to`. */
async function candidates(store: Store, kind: string, to: number): Promise<string[]> {
  const ids: string[] = [];
  for (let after = ''; ; ) {
    const page = await store.kindMigrations.openNotOn(kind, to, after, 1000);
    if (page.length === 0) return ids;
    ids.push(...page.map((p) => p.id));
    after = page[page.length - 1].id;
  }
}
