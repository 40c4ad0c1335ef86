import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DispatchSettings } from '../activities/dispatcher';
import { webhookTargetPolicies } from '../activities/webhookTargets';
import type { ProcessSettings } from '../machines/kind';
import { describeIssues } from '../machines/policy';

/** Everything the product reads from the environment, with the embedded defaults of `npm start`. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('data'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  /** mTLS to the Temporal frontend (docs/OPERATIONS.md, "Locking a cluster"): PEM files of this part's client certificate and its key. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  /** A PEM file of the CA that signed the frontend's certificate, when the system does not trust it. */
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  /** The name the frontend's certificate carries, when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TASK_QUEUE: z.string().default('partnerflow'),
  DATABASE_URL: z.string().optional(),
  SMTP_URL: z.string().optional(),
  SMS_WEBHOOK_URL: z.url().optional(),
  PC_KEYS_FILE: z.string().optional(),
  REVIEWERS_EMAIL: z.email().optional(),
  OPS_EMAIL: z.email().optional(),
  /** When a review is due, per kind, `*` for any other: `{"*":{"workingDays":3},"initiation-review":{"ms":3600000}}`. */
  REVIEW_DUE: z
    .string()
    .default('{"*":{"workingDays":3}}')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'REVIEW_DUE must be JSON, e.g. {"*":{"workingDays":3}}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.union([z.strictObject({ workingDays: z.number().int().min(1).max(60) }), z.strictObject({ ms: z.number().int().positive() })]))),
  REVIEW_REMIND_BEFORE_MS: z.coerce.number().int().nonnegative().default(24 * 3600 * 1000),
  /** Folder of the file-backed billing source (R60–R62); default: the fixtures shipped in `fixtures/billing`. */
  BILLING_SOURCE_DIR: z.string().optional(),
  /** Where people reach the API, for links in messages (the invoice list, R62); default http://HOST:PORT. */
  PUBLIC_URL: z.url().optional(),
  /** How long an SMS verification code for a new customer is valid (R66). */
  VERIFICATION_CODE_TTL_MS: z.coerce.number().int().positive().default(10 * 60 * 1000),
  /** Consumption records of customers, a JSON list of { customerId, at, product, amount, currency? } (R65); default DATA_DIR/consumption.json. */
  CONSUMPTION_FILE: z.string().optional(),
  /** Partner payment (R52): how long a partner has to pay before the customer is told it may pay another way. */
  PAYMENT_REMINDER_MS: z.coerce.number().int().positive().default(24 * 3600 * 1000),
  /** AES-256 key (32 bytes, base64) that seals Temporal payloads; default: a development key in DATA_DIR/payload-key. */
  PAYLOAD_KEY: z.string().optional(),
  /** Earlier payload keys, base64, comma-separated: they still open older history after a rotation. */
  PAYLOAD_KEYS_OLD: z.string().optional(),
  /** Worker tuning (docs/PERFORMANCE.md); unset means the SDK's defaults. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().positive().optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().optional(),
  /** Limits on every caller of the API (docs/SECURITY.md): requests and process starts per key per minute, open event streams, SMS codes. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  RATE_LIMIT_STARTS_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /** All the keys of one partner together (its people and apps): minting keys gives a partner no more starts or streams. */
  RATE_LIMIT_STARTS_PER_PARTNER_PER_MINUTE: z.coerce.number().int().positive().default(300),
  EVENT_STREAMS_PER_KEY: z.coerce.number().int().positive().default(20),
  EVENT_STREAMS_PER_PARTNER: z.coerce.number().int().positive().default(100),
  EVENT_STREAMS_MAX: z.coerce.number().int().positive().default(500),
  SMS_CODES_PER_PHONE_PER_DAY: z.coerce.number().int().positive().default(10),
  SMS_CODES_PER_PARTNER_PER_DAY: z.coerce.number().int().positive().default(500),
  /** How long a client may take to send a whole request (headers and body), and how long a connection may sit idle. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Single sign-on for staff (reviewers, ops): the OpenID provider, the console's client there, and what access tokens for this API carry. */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  /** The claim naming the person's role(s): `reviewer` or `ops` (see OIDC_ROLE_MAP); a dotted path for nested claims. */
  OIDC_ROLE_CLAIM: z.string().min(1).default('roles'),
  /** The claim that is the person's id (four-eyes compares it with the ids of their API keys, R72). */
  OIDC_ID_CLAIM: z.string().min(1).default('sub'),
  OIDC_SCOPE: z.string().min(1).default('openid profile email'),
  /** Claim values → roles, e.g. {"pf-reviewers":"reviewer","pf-ops":"ops"}; default: the values reviewer and ops themselves. */
  OIDC_ROLE_MAP: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'OIDC_ROLE_MAP must be JSON, e.g. {"pf-reviewers":"reviewer"}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.enum(['reviewer', 'ops'])).optional()),
  /** `/metrics` of a worker run alone (`npm run worker`); 0 takes any free port. The API serves its own at PORT. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** A workflow bundle built beforehand (`npm run bundle`), so a worker starts in seconds; else it bundles at start. */
  WORKFLOW_BUNDLE: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The outbox dispatcher (docs/RELIABILITY.md): how long an idle one waits before looking again, how long a claim holds, a batch. */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  OUTBOX_CLAIM_MS: z.coerce.number().int().min(1_000).default(30_000),
  OUTBOX_BATCH: z.coerce.number().int().min(1).max(1_000).default(50),
  /** A step held for its Update's caller that nobody released within this long is checked with the engine (workflows/effects.ts). */
  OUTBOX_HELD_GRACE_MS: z.coerce.number().int().min(100).default(15_000),
  /**
   * Which addresses webhooks may go to: `public` (the default: an install that forgets this setting never
   * sends partners' requests to its own machine or network), also `loopback` (this machine; `npm start`
   * sets it for development), also `private` networks.
   */
  WEBHOOK_TARGETS: z.enum(webhookTargetPolicies).default('public'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** A failing webhook delivery is retried with exponential backoff from INITIAL to MAX, and given up once it has failed for FOR (default 24 h). */
  WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().positive().default(5_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().positive().default(3_600_000),
  WEBHOOK_RETRY_FOR_MS: z.coerce.number().int().positive().default(24 * 3_600_000),
  /** An endpoint with no successful delivery for this long is disabled and its partner told (default 5 days). */
  WEBHOOK_DISABLE_AFTER_MS: z.coerce.number().int().positive().default(5 * 24 * 3_600_000),
}).superRefine((env, ctx) => {
  // Found at start, not at the first connection: a half-configured mTLS would otherwise fail as "no Temporal answers".
  if (env.TEMPORAL_TLS_CERT && !env.TEMPORAL_TLS_KEY)
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY'], message: 'TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: mTLS needs the certificate and its private key' });
  if (env.TEMPORAL_TLS_KEY && !env.TEMPORAL_TLS_CERT)
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CERT'], message: 'TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not: mTLS needs the certificate and its private key' });
  const files = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'] as const;
  for (const name of files) {
    const file = env[name];
    if (file === undefined) continue;
    try {
      fs.accessSync(file, fs.constants.R_OK);
      if (!fs.statSync(file).isFile()) throw new Error('not a file');
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: [name], message: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    }
  }
  if (env.TEMPORAL_TLS === 'false' && (env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_SERVER_NAME))
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS'], message: 'TEMPORAL_TLS=false, yet TLS files or a server name are set: unset one or the other' });
});

/** What `npm start` (a development install) sets unless the environment says otherwise; `npm run api` and `npm run worker` do not. */
export const developmentDefaults: NodeJS.ProcessEnv = { WEBHOOK_TARGETS: 'loopback' };

export type Config = z.infer<typeof envSchema> & { dataDir: string; consumptionFile: string };

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid environment: ${describeIssues(parsed.error)}`);
  const dataDir = path.resolve(parsed.data.DATA_DIR);
  return { ...parsed.data, dataDir, consumptionFile: path.resolve(parsed.data.CONSUMPTION_FILE ?? path.join(dataDir, 'consumption.json')) };
}

/** The settings a new process of a kind starts with: its review due rule (the kind's own, else `*`), the reminder lead, the payment reminder. */
export const processSettings =
  (config: Config) =>
  (kind: string): ProcessSettings => ({
    review: { due: config.REVIEW_DUE[kind] ?? config.REVIEW_DUE['*'] ?? { workingDays: 3 }, remindBeforeMs: config.REVIEW_REMIND_BEFORE_MS },
    payment: { reminderMs: config.PAYMENT_REMINDER_MS },
  });

/** Whether this part speaks TLS to Temporal: asked for, implied by an API key (Temporal Cloud) or by any TLS setting. */
const wantsTls = (config: Config) =>
  config.TEMPORAL_TLS === 'true' || Boolean(config.TEMPORAL_API_KEY || config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_CA || config.TEMPORAL_TLS_SERVER_NAME);

/**
 * The SDK's `tls` option: `true` for plain TLS, the client certificate pair (mTLS), the CA and the server name when
 * given; undefined without TLS. The files are read at each connection, so a part restarted after a rotation takes the new ones.
 */
export function temporalTls(config: Config): true | { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer; serverNameOverride?: string } | undefined {
  if (!wantsTls(config)) return undefined;
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: serverName } = config;
  if (!cert && !ca && !serverName) return true;
  return {
    ...(cert && key ? { clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) } } : {}),
    ...(ca ? { serverRootCACertificate: fs.readFileSync(ca) } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
}

/** The worker options the environment tunes; the SDK's defaults for what it leaves unset. */
export const workerTuning = (config: Config) => ({
  ...(config.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } : {}),
  ...(config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined ? { maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS } : {}),
  ...(config.WORKER_MAX_CONCURRENT_ACTIVITIES !== undefined ? { maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES } : {}),
});

/** The outbox dispatcher's settings from the environment. */
export const dispatchSettings = (config: Config): DispatchSettings => ({
  pollMs: config.OUTBOX_POLL_MS,
  leaseMs: config.OUTBOX_CLAIM_MS,
  batch: config.OUTBOX_BATCH,
  heldGraceMs: config.OUTBOX_HELD_GRACE_MS,
  webhookTargets: config.WEBHOOK_TARGETS,
  webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
  webhookRetry: { initialMs: config.WEBHOOK_RETRY_INITIAL_MS, maxMs: config.WEBHOOK_RETRY_MAX_MS, forMs: config.WEBHOOK_RETRY_FOR_MS },
  webhookDisableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
});
