import swagger from '@fastify/swagger';
import Fastify, { type FastifyReply } from 'fastify';
import { z } from 'zod';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { fileBillingSource } from '../billing/fileSource';
import type { BillingSource } from '../billing/source';
import type { PayloadCodec } from '@temporalio/common';
import type { ProcessClient } from '../engineClient';
import type { Store } from '../store/db';
import { randomBytes } from 'node:crypto';
import { installApiMetrics } from '../metrics/http';
import type { Metrics } from '../metrics/registry';
import { authenticate, authPipeline } from './auth';
import { codecRoutes } from './codec';
import { defaultLimits, type ApiLimits } from './limits';
import { openApiTransform } from './openapi';
import { answers } from './schemas';
import { rateLimiting } from './rateLimit';
import { redactedRequest, redactPath } from './redact';
import { repairRoutes } from './routes/repairs';
import { securityHeaders } from './securityHeaders';
import { consoleRoutes } from './console';
import { noConsumption, type ConsumptionSource } from './consumption';
import { errorHandler, hasEncodedNul, HttpError, nulRefusal, parseJsonBody } from './errors';
import type { Identity } from './keys';
import type { OidcSettings } from './oidc';
import { staffDirectory } from './staffDirectory';
import { billRoutes } from './routes/bills';
import { customerRoutes } from './routes/customers';
import { eventRoutes } from './routes/events';
import { invitationRoutes } from './routes/invitations';
import { kindRoutes } from './routes/kinds';
import { meRoutes } from './routes/me';
import { migrationRoutes } from './routes/migrations';
import { partnerRoutes } from './routes/partners';
import { taskRoutes } from './routes/tasks';
import { decisionRoutes } from './routes/decisions';
import { delegationRoutes } from './routes/delegations';
import { keyRoutes } from './routes/keys';
import { reportRoutes } from './routes/reports';
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
  /**
   * The engine's payload codec, served to ops and the Temporal Web UI (from these origins) at /codec.
   * `sessionSecret` signs the Web UI's codec sessions; give every API process the same one (default: random, this process only).
   */
  codec?: { codec: PayloadCodec; origins: string[]; sessionSecret?: Buffer };
  /** What one caller may take (api/limits.ts); default: `defaultLimits`. */
  limits?: Partial<ApiLimits>;
  /** The built console (console/build.ts), served at `/`; without it there is no console. */
  consoleDir?: string;
  /** Single sign-on for staff: the console signs in at this provider, the API takes its access tokens. */
  oidc?: OidcSettings;
  /** Counts requests and serves `/metrics` (metrics/http.ts). */
  metrics?: Metrics;
}

/** The edge: authenticates, validates with the machines' zod schemas, and answers HTTP API v1. */
export async function buildServer(deps: ApiDeps) {
  const limits = { ...defaultLimits, ...deps.limits };
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: 64 * 1024,
    // Long enough for any id the schemas allow (300 characters), percent-encoded.
    routerOptions: { maxParamLength: 1000 },
    // A request must arrive whole within requestTimeoutMs (a body sent a byte at a time is cut off), and a
    // connection may sit idle for idleTimeoutMs (event streams send a comment every 15 s).
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    // A kept-alive connection between requests is idle too: Node gives it keepAliveTimeout instead (Fastify: 72 s).
    keepAliveTimeout: Math.min(72_000, limits.idleTimeoutMs),
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(60_000, limits.requestTimeoutMs),
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(limits.requestTimeoutMs / 4))),
    },
    // Fastify's own handler, with refusals in the API's shape (a request cut off, a header too large).
    clientErrorHandler: (error, socket) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || socket.destroyed) return;
      const [status, body] =
        code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', { code: 'request_timeout', reason: `The request did not arrive whole within ${limits.requestTimeoutMs / 1000} s.` }]
          : code === 'HPE_HEADER_OVERFLOW'
            ? ['431 Request Header Fields Too Large', { code: 'headers_too_large', reason: 'The request headers are too large.' }]
            : ['400 Bad Request', { code: 'bad_request', reason: 'The request could not be read.' }];
      const text = JSON.stringify({ error: body });
      if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
      socket.destroy(error);
    },
    // Errors raised before routing (a malformed URL) get the same shape as every other refusal.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply).status(400).send({ error: { code: 'bad_request', reason: `The request could not be read: ${error.message}.` } });
    },
  }).withTypeProvider<ZodTypeProvider>();
  // Tokens that ride in paths (invitations, the codec) never reach the log.
  app.setChildLoggerFactory((logger, bindings, options) => logger.child(bindings, { ...options, serializers: { ...options.serializers, req: redactedRequest } }));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.addHook('onSend', securityHeaders);
  app.setNotFoundHandler((request) => {
    throw new HttpError(404, 'no_such_route', `There is no ${request.method} ${redactPath(request.url.split('?')[0])}; see /openapi.json.`);
  });

  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema (2020-12), so a nullable enum says so and any JSON Schema validator reads them.
      openapi: '3.1.0',
      info: { title: 'partnerflow API', version: '1', description: 'Durable partner-center processes: start, act, view, list.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: openApiTransform,
  });

  if (deps.metrics) installApiMetrics(app, deps.metrics, deps.store);
  app.addHook('onRequest', async (request) => {
    if (hasEncodedNul(request.url)) throw nulRefusal('path or query');
  });
  const limited = await rateLimiting(app, limits);

  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the API answers (no key)', security: [], response: answers({ 200: z.object({ ok: z.literal(true) }) }) } },
    async () => ({ ok: true as const }),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Who is calling: an API key (the keys file or a managed one) or a staff member's access token; staff are noted in the directory.
  const directory = staffDirectory(deps.store, deps.log);
  await directory.seed(deps.keys);
  const authenticated = authenticate(authPipeline(deps), directory.note);
  if (deps.codec)
    await app.register(codecRoutes({ codec: deps.codec.codec, origins: deps.codec.origins, sessionSecret: deps.codec.sessionSecret ?? randomBytes(32), authenticate: authenticated }));

  await app.register(
    async (v1) => {
      // Who is calling, then whether they may call now: both before a byte of the body is read.
      v1.addHook('onRequest', authenticated);
      v1.addHook('onRequest', limited);
      await v1.register(processRoutes({ ...deps, limits }));
      await v1.register(eventRoutes({ ...deps, streamsPerKey: limits.streamsPerKey, streamsPerPartner: limits.streamsPerPartner, streamsMax: limits.streamsMax }));
      await v1.register(repairRoutes(deps));
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
      await v1.register(keyRoutes({ store: deps.store, noteStaff: (actor) => directory.note(actor, 'managed-key', true) }));
      await v1.register(delegationRoutes(deps));
      await v1.register(decisionRoutes(deps));
      await v1.register(reportRoutes(deps));
    },
    { prefix: '/v1' },
  );
  if (deps.consoleDir) await app.register(consoleRoutes(deps.consoleDir, { oidc: deps.oidc }));
  return app;
}

export type ApiServer = Awaited<ReturnType<typeof buildServer>>;
