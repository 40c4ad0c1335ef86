import swagger from '@fastify/swagger';
import Fastify, { type FastifyReply } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { fileBillingSource } from '../billing/fileSource';
import type { BillingSource } from '../billing/source';
import type { PayloadCodec } from '@temporalio/common';
import type { ProcessClient } from '../client';
import type { Store } from '../store/db';
import { installApiMetrics } from '../metrics/http';
import type { Metrics } from '../metrics/registry';
import { authenticate } from './auth';
import { codecRoutes } from './codec';
import { consoleRoutes } from './console';
import { noConsumption, type ConsumptionSource } from './consumption';
import { errorHandler, hasEncodedNul, HttpError, nulRefusal, parseJsonBody } from './errors';
import type { Identity } from './keys';
import { billRoutes } from './routes/bills';
import { customerRoutes } from './routes/customers';
import { eventRoutes } from './routes/events';
import { invitationRoutes } from './routes/invitations';
import { kindRoutes } from './routes/kinds';
import { meRoutes } from './routes/me';
import { migrationRoutes } from './routes/migrations';
import { partnerRoutes } from './routes/partners';
import { taskRoutes } from './routes/tasks';
import { processRoutes } from './routes/processes';
import { salesTaskRoutes } from './routes/salesTasks';
import { webhookRoutes, type WebhookRouteDeps } from './routes/webhooks';

export interface ApiDeps {
  client: ProcessClient;
  store: Store;
  keys: Map<string, Identity>;
  log: Logger;
  /** Where bills' figures come from (R61); default: the shipped fixtures. */
  billing?: BillingSource;
  /** Customers' consumption records (R65); default: none. */
  consumption?: ConsumptionSource;
  /** Partners' webhook endpoints: the sealer of their secrets and the receivers this deployment allows. */
  webhooks: Omit<WebhookRouteDeps, 'store'>;
  /** How often an open event stream looks for new steps (default 500 ms). */
  eventPollMs?: number;
  /** The engine's payload codec, served to ops and the Temporal Web UI (from these origins) at /codec. */
  codec?: { codec: PayloadCodec; origins: string[] };
  /** The built console (console/build.ts), served at `/`; without it there is no console. */
  consoleDir?: string;
  /** Counts requests and serves `/metrics` (metrics/http.ts). */
  metrics?: Metrics;
}

/** The edge: authenticates, validates with the machines' zod schemas, and answers HTTP API v1. */
export async function buildServer(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: 64 * 1024,
    // Errors raised before routing (a malformed URL) get the same shape as every other refusal.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply).status(400).send({ error: { code: 'bad_request', reason: `The request could not be read: ${error.message}.` } });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.setNotFoundHandler((request) => {
    throw new HttpError(404, 'no_such_route', `There is no ${request.method} ${request.url.split('?')[0]}; see /openapi.json.`);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'partnerflow API', version: '1', description: 'Durable partner-center processes: start, act, view, list.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });

  if (deps.metrics) installApiMetrics(app, deps.metrics, deps.store);
  app.addHook('onRequest', async (request) => {
    if (hasEncodedNul(request.url)) throw nulRefusal('path or query');
  });
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (deps.codec) await app.register(codecRoutes({ ...deps.codec, keys: deps.keys }));

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate(deps.keys));
      await v1.register(processRoutes(deps));
      await v1.register(eventRoutes(deps));
      await v1.register(kindRoutes(deps));
      await v1.register(meRoutes);
      await v1.register(partnerRoutes(deps));
      await v1.register(taskRoutes(deps));
      await v1.register(billRoutes({ store: deps.store, billing: deps.billing ?? fileBillingSource() }));
      await v1.register(customerRoutes({ ...deps, consumption: deps.consumption ?? noConsumption }));
      await v1.register(invitationRoutes(deps));
      await v1.register(salesTaskRoutes(deps));
      await v1.register(migrationRoutes(deps));
      await v1.register(webhookRoutes({ store: deps.store, ...deps.webhooks }));
    },
    { prefix: '/v1' },
  );
  if (deps.consoleDir) await app.register(consoleRoutes(deps.consoleDir));
  return app;
}

export type ApiServer = Awaited<ReturnType<typeof buildServer>>;
