import { z } from 'zod';
import { roles } from '../machines/types';

/**
 * The shapes the HTTP API answers with, as zod schemas. The edge's view functions are typed by them
 * (so a change to a view that breaks them does not compile) and the typed client (`sdk/`) infers its
 * types from them and checks answers against them: one definition, no shapes written twice.
 * Only zod and machines/types are imported here, so apps can import it without the server.
 */

export const labelsSchema = z.object({ en: z.string(), 'zh-CN': z.string() });
export const roleSchema = z.enum(roles);

export const recordViewSchema = z.object({
  seq: z.number().int(),
  /** ISO-8601 UTC. */
  at: z.string(),
  /** The same instant in GMT+08:00 (R70). */
  atLocal: z.string(),
  actor: z.string(),
  /** The reviewer a delegate decided for: "by <actor> on behalf of <onBehalfOf>" (R71). */
  onBehalfOf: z.string().optional(),
  role: roleSchema,
  event: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  comment: z.string().optional(),
  reason: z.string().optional(),
});

export const allowedActionSchema = z.object({
  type: z.string(),
  label: labelsSchema,
  /** Values a guard depends on, suggested (e.g. `{ milestone: 2 }`). */
  params: z.record(z.string(), z.unknown()).optional(),
});

export const processViewSchema = z.object({
  id: z.string(),
  kind: z.string(),
  /** The version of its kind the process runs on (a migration moves it). */
  kindVersion: z.number().int(),
  partnerId: z.string(),
  businessKey: z.string().nullable(),
  state: z.string(),
  label: labelsSchema,
  done: z.boolean(),
  version: z.number().int(),
  waitingFor: z.array(roleSchema),
  dueAt: z.string().nullable(),
  dueAtLocal: z.string().nullable(),
  allowedActions: z.array(allowedActionSchema),
  /** Present on a single process (GET /v1/processes/:id, start, act), absent in lists. */
  records: z.array(recordViewSchema).optional(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  createdAtLocal: z.string(),
  updatedAt: z.string(),
  updatedAtLocal: z.string(),
});

export const taskSchema = z.object({
  /** The reviewer away whose held review the caller decides meanwhile: the inbox shows "for <reviewer>". */
  onBehalfOf: z.string().optional(),
  role: roleSchema,
  since: z.string(),
  sinceLocal: z.string(),
  dueAt: z.string().nullable(),
  dueAtLocal: z.string().nullable(),
  overdue: z.boolean(),
  claimedBy: z.string().nullable(),
  claimedAt: z.string().nullable(),
});

export const taskItemSchema = processViewSchema.extend({ task: taskSchema });

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().optional() });
export const processPageSchema = pageOf(processViewSchema);
export const taskPageSchema = pageOf(taskItemSchema);

/**
 * A JSON Schema document (what `z.toJSONSchema` makes of a kind's input or an event's payload), with the
 * keywords a screen reads to build a form named; any other keyword passes as it is.
 */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: Array<string | number>;
  anyOf?: JsonSchema[];
  const?: string | number;
  format?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  [keyword: string]: unknown;
}
/** Open by nature (any JSON Schema), so checked as an object and passed whole; typed as a JsonSchema. */
const jsonSchemaDocument = z.record(z.string(), z.unknown()).describe('A JSON Schema document') as unknown as z.ZodType<JsonSchema>;

export const kindDescriptionSchema = z.object({
  kind: z.string(),
  version: z.number().int(),
  title: labelsSchema,
  startedBy: z.array(roleSchema).readonly(),
  oncePerPartner: z.boolean(),
  /** JSON Schema of the start input. */
  input: jsonSchemaDocument,
  events: z.array(
    z.object({ type: z.string(), label: labelsSchema, roles: z.array(roleSchema).readonly(), decision: z.boolean(), payload: jsonSchemaDocument }),
  ),
  states: z.array(
    z.object({
      id: z.string(),
      label: labelsSchema,
      final: z.boolean(),
      waitsFor: roleSchema.nullable(),
      allowed: z.array(z.object({ event: z.string(), roles: z.array(roleSchema).readonly() })),
    }),
  ),
  mermaid: z.string(),
  /** GET /v1/kinds/:kind only: every version still loadable, with how many open processes run on each. */
  versions: z.array(z.object({ version: z.number().int(), open: z.number().int() })).optional(),
});
export const kindListSchema = z.object({ items: z.array(kindDescriptionSchema) });

/** One event of `GET /v1/processes/:id/events` (server-sent events): a recorded step and where it left the process. */
export const processEventSchema = recordViewSchema.extend({
  processId: z.string(),
  /** The process's version after this step (its `seq`); `If-Match` takes it. */
  version: z.number().int(),
});

/** A message sent (or to be sent) to a partner, from the outbox: `GET /v1/partners/:id/notifications`. */
export const notificationSchema = z.object({
  /** Unique per process, step, channel and recipient (R74): a receiver deduplicates by it. */
  id: z.string(),
  processId: z.string(),
  seq: z.number().int(),
  channel: z.enum(['email', 'sms']),
  recipient: z.string(),
  subject: z.string(),
  body: z.string(),
  /** `failed`: an attempt failed, another follows; `given_up`: left claimed by a crash under an older release, too old to send. */
  status: z.enum(['pending', 'sending', 'sent', 'failed', 'given_up']),
  createdAt: z.string(),
  createdAtLocal: z.string(),
  sentAt: z.string().nullable(),
});
export const notificationPageSchema = pageOf(notificationSchema);

/** One process of a migration's dry run (POST /v1/migrations with dryRun). */
export const migrationPlanItemSchema = z.object({
  processId: z.string(),
  fromVersion: z.number().int().nullable(),
  state: z.string().nullable(),
  verdict: z.enum(['moves', 'stays']),
  toState: z.string().optional(),
  code: z.string().optional(),
  reason: z.string().optional(),
  /** The process's recorded events replayed under the new version: the first it would have refused or routed elsewhere. */
  whatIf: z
    .object({
      replayed: z.number().int(),
      firstDifference: z
        .object({ seq: z.number().int(), event: z.string(), at: z.string(), actor: z.string(), outcome: z.enum(['refused', 'elsewhere']), code: z.string().optional(), reason: z.string() })
        .optional(),
    })
    .optional(),
});
export const migrationPlanSchema = z.object({ kind: z.string(), to: z.number().int(), items: z.array(migrationPlanItemSchema) });

/** A migration's progress: GET /v1/migrations/:id. */
export const migrationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  to: z.number().int(),
  mapping: z.record(z.string(), z.string()).nullable(),
  processIds: z.array(z.string()).nullable(),
  requestedBy: z.string(),
  status: z.enum(['running', 'done']),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  pending: z.number().int(),
  moved: z.number().int(),
  stayed: z.number().int(),
  failed: z.number().int(),
  items: z
    .array(
      z.object({
        processId: z.string(),
        fromVersion: z.number().int().nullable(),
        state: z.string().nullable(),
        outcome: z.enum(['pending', 'moved', 'stayed', 'failed']),
        toState: z.string().nullable(),
        code: z.string().nullable(),
        reason: z.string().nullable(),
        updatedAt: z.string(),
      }),
    )
    .optional(),
});
export const migrationListSchema = z.object({ items: z.array(migrationSchema) });

/** An ops repair made through the API (`POST /v1/processes/:id/repairs`, `GET /v1/repairs`), audited. */
export const repairSchema = z.object({
  id: z.string(),
  processId: z.string(),
  action: z.string(),
  reason: z.string(),
  detail: z.record(z.string(), z.unknown()),
  actorId: z.string(),
  actorRole: z.string(),
  requestedAt: z.string(),
  requestedAtLocal: z.string(),
  /** `requested` while it runs, then `done` or `failed` (with `error`). */
  outcome: z.enum(['requested', 'done', 'failed']),
  error: z.string().nullable(),
  finishedAt: z.string().nullable(),
  finishedAtLocal: z.string().nullable(),
});
export const repairPageSchema = pageOf(repairSchema);

/** Every refusal and failure, whatever the route: a stable `code` and a sentence saying what was wrong. */
export const errorBodySchema = z
  .object({ error: z.object({ code: z.string(), reason: z.string() }) })
  .meta({ description: 'Refused or failed: `{ error: { code, reason } }`; a refusal changed nothing' });

/**
 * A route's answers for `schema.response`: its successes, and the one error shape for every 4xx and 5xx
 * (a caller's mistake, an unknown key, a rate limit, the engine away). Fastify serialises each answer
 * through the schema of its status, so a success schema must name every field the route returns.
 */
export const answers = <S extends Record<number, z.ZodType>>(successes: S) => ({ ...successes, '4xx': errorBodySchema, '5xx': errorBodySchema });

/** A managed API key as lists show it: never its secret. */
export const managedKeySchema = z.object({
  keyId: z.string(),
  /** The start of the key, to recognise it: `pfk_<keyId>_…`. */
  prefix: z.string(),
  /** The identity the key acts as. */
  id: z.string(),
  role: roleSchema,
  partnerId: z.string().nullable(),
  customerId: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  status: z.enum(['active', 'revoked', 'expired']),
  createdAt: z.string(),
  createdAtLocal: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().nullable(),
  expiresAtLocal: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokedAtLocal: z.string().nullable(),
  revokedBy: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  lastUsedAtLocal: z.string().nullable(),
});
/** The answer to `POST /v1/keys`: the key itself, this once. */
export const createdKeySchema = managedKeySchema.extend({ key: z.string() });
export const managedKeyPageSchema = pageOf(managedKeySchema);

export const keyEventSchema = z.object({
  id: z.string(),
  keyId: z.string(),
  /** `expired`: the key reached its expiry unrevoked (by `system`, at `expiresAt`). */
  event: z.enum(['created', 'revoked', 'expired']),
  at: z.string(),
  atLocal: z.string(),
  actorId: z.string(),
  actorRole: roleSchema,
  identityId: z.string(),
  role: roleSchema,
  partnerId: z.string().nullable(),
});
export const keyEventPageSchema = pageOf(keyEventSchema);

/** A reviewer away and who stands in for them, from `from` until `until` (UTC; `…Local` in GMT+08:00). */
export const delegationSchema = z.object({
  id: z.string(),
  reviewer: z.string(),
  to: z.string(),
  from: z.string(),
  fromLocal: z.string(),
  until: z.string(),
  untilLocal: z.string(),
  /** Whether it holds now. */
  active: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export const delegationListSchema = z.object({ items: z.array(delegationSchema) });

/** One item of a bulk decision: applied whole, or refused with the reason a single action would get. */
export const bulkResultSchema = z.object({
  processId: z.string(),
  subject: z.string().optional(),
  ok: z.boolean(),
  /** The process's version after the decision. */
  version: z.number().int().optional(),
  state: z.string().optional(),
  error: z.object({ status: z.number().int(), code: z.string(), reason: z.string() }).optional(),
});
export const bulkDecisionSchema = z.object({ results: z.array(bulkResultSchema) });

const reviewFiguresSchema = z.object({
  decided: z.number().int(),
  /** Working hours (Monday to Friday, 09:00–18:00 GMT+08:00) from submission to decision. */
  medianHours: z.number().nullable(),
  p90Hours: z.number().nullable(),
  overdue: z.number().int(),
});
export const reviewReportSchema = z.object({
  from: z.string(),
  fromLocal: z.string(),
  to: z.string(),
  toLocal: z.string(),
  kind: z.string().optional(),
  workingHours: z.object({ days: z.string(), start: z.string(), end: z.string(), timeZone: z.string() }),
  byKind: z.array(reviewFiguresSchema.extend({ kind: z.string(), title: labelsSchema })),
  byReviewer: z.array(reviewFiguresSchema.extend({ reviewer: z.string(), onBehalf: z.number().int() })),
  total: reviewFiguresSchema,
});

export type Labels = z.infer<typeof labelsSchema>;
export type RecordView = z.infer<typeof recordViewSchema>;
export type AllowedAction = z.infer<typeof allowedActionSchema>;
export type ProcessView = z.infer<typeof processViewSchema>;
export type TaskView = z.infer<typeof taskSchema>;
export type TaskItem = z.infer<typeof taskItemSchema>;
export type Page<T> = { items: T[]; next?: string };
export type KindDescription = z.infer<typeof kindDescriptionSchema>;
export type ProcessEvent = z.infer<typeof processEventSchema>;
export type Notification = z.infer<typeof notificationSchema>;
export type ErrorBody = z.infer<typeof errorBodySchema>;
export type MigrationPlan = z.infer<typeof migrationPlanSchema>;
export type Migration = z.infer<typeof migrationSchema>;

/** Webhook event types a partner's endpoint can subscribe to (`process.step` by default). */
export const webhookEventTypeSchema = z.enum(['process.step', 'process.notification']);

/** A partner's webhook endpoint, without its secret (`/v1/webhooks`). */
export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(webhookEventTypeSchema),
  /** false once disabled, by the partner or because deliveries kept failing (`disabledReason`). */
  enabled: z.boolean(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
  /** Since when deliveries have failed without a success, or null. */
  failingSince: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  /** Until when the secret before the last rotation still signs too (null: no rotation pending). */
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  createdAtLocal: z.string(),
  updatedAt: z.string(),
});
export const webhookEndpointListSchema = z.object({ items: z.array(webhookEndpointSchema) });

/** The answer to creating an endpoint or rotating its secret: the one time the secret is shown. */
export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({
  /** `whsec_…`, for the receiver's Standard Webhooks verification; shown this once. */
  secret: z.string(),
});

/** One delivery of an event to an endpoint, as the delivery log shows it. */
export const webhookDeliverySchema = z.object({
  /** The `webhook-id` header: the same on every attempt and redelivery. */
  id: z.string(),
  type: webhookEventTypeSchema,
  processId: z.string(),
  seq: z.number().int(),
  /**
   * `pending` (first or next attempt due), `sending`, `sent`, `given_up` (retries exhausted, the endpoint
   * deleted, or disabled when it was due or recorded: redeliver it once enabled).
   */
  status: z.enum(['pending', 'sending', 'sent', 'failed', 'given_up']),
  attempts: z.number().int(),
  createdAt: z.string(),
  createdAtLocal: z.string(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  sentAt: z.string().nullable(),
  /** The receiver's answer to the last attempt (HTTP status and the start of its body), or why it failed. */
  answer: z.string().nullable(),
  /** The JSON that is delivered (and signed). */
  payload: z.unknown(),
});
export const webhookDeliveryPageSchema = pageOf(webhookDeliverySchema);

/** What a partner's endpoint receives for `process.step`: a recorded step and where it left the process. */
export const stepEventSchema = z.object({
  type: z.literal('process.step'),
  timestamp: z.string(),
  data: recordViewSchema.extend({
    processId: z.string(),
    kind: z.string(),
    partnerId: z.string(),
    businessKey: z.string().nullable(),
    version: z.number().int(),
    state: z.string(),
    label: labelsSchema,
    done: z.boolean(),
    waitingFor: z.array(roleSchema),
  }),
});

/** What a partner's endpoint receives for `process.notification`: a message the partner was sent, in both languages. */
export const notificationEventSchema = z.object({
  type: z.literal('process.notification'),
  timestamp: z.string(),
  data: z.object({
    processId: z.string(),
    kind: z.string(),
    partnerId: z.string(),
    seq: z.number().int(),
    topic: z.string(),
    subject: labelsSchema,
    body: labelsSchema,
    link: z.string().optional(),
  }),
});

export const webhookEventSchema = z.discriminatedUnion('type', [stepEventSchema, notificationEventSchema]);
export type WebhookEndpointView = z.infer<typeof webhookEndpointSchema>;
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;
export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type Repair = z.infer<typeof repairSchema>;
export type ManagedKeyView = z.infer<typeof managedKeySchema>;
export type CreatedKey = z.infer<typeof createdKeySchema>;
export type KeyEventView = z.infer<typeof keyEventSchema>;
export type DelegationView = z.infer<typeof delegationSchema>;
export type BulkResult = z.infer<typeof bulkResultSchema>;
export type ReviewReportView = z.infer<typeof reviewReportSchema>;

/** Who the key belongs to (`GET /v1/me`). */
export const meSchema = z.object({
  id: z.string(),
  role: roleSchema,
  partnerId: z.string().optional(),
  customerId: z.string().optional(),
  name: z.string().optional(),
  email: z.string().optional(),
  onBehalfOf: z.string().optional(),
});

/** A repair's answer: the audit entry, and for a reset the new run and the workflow task it restarted from. */
export const repairOutcomeSchema = repairSchema.extend({ runId: z.string().optional(), eventId: z.number().int().optional() });

const channelsSchema = z.object({ email: z.boolean(), sms: z.boolean() });
/** A partner (`GET /v1/partners/:id`): what it may change (R6), its certification status (R3, R5) and programs (R4). */
export const partnerSchema = z.object({
  id: z.string(),
  companyName: z.string().nullable(),
  /** Company information: address, industry, website, size, description. */
  company: z.object({
    address: z.string().optional(),
    industry: z.string().optional(),
    website: z.string().optional(),
    size: z.string().optional(),
    description: z.string().optional(),
  }),
  contact: z.object({ name: z.string().optional(), email: z.string().optional(), phone: z.string().optional() }),
  messageSettings: z.object({ actionNeeded: channelsSchema, reviewOutcome: channelsSchema, reminder: channelsSchema }),
  facts: z.object({ realNameVerified: z.boolean(), emailBound: z.boolean(), businessCertified: z.boolean() }),
  certifiedRoles: z.array(z.string()),
  updatedAt: z.string(),
  programs: z.array(z.object({ program: z.string(), level: z.string().nullable(), status: labelsSchema, processId: z.string() })),
});

/** The withdrawable amount now (可提现金额, R61), every part in cents. */
export const withdrawableSchema = z.object({
  partnerId: z.string(),
  currency: z.string(),
  asOf: z.string(),
  asOfLocal: z.string(),
  cashCents: z.number().int(),
  owedInvoicesCents: z.number().int(),
  unpostedCents: z.number().int(),
  subUserArrearsCents: z.number().int(),
  /** Never below zero. */
  withdrawableCents: z.number().int(),
  formula: labelsSchema,
  subUsersInArrears: z.array(z.object({ customerId: z.string(), arrearsCents: z.number().int() })),
});

/** A period a customer manager had (or has) a customer (R65). */
export const managerPeriodSchema = z.object({
  managerId: z.string(),
  via: z.enum(['invitation', 'assignment']),
  since: z.string(),
  sinceLocal: z.string(),
  until: z.string().nullable(),
  untilLocal: z.string().nullable(),
  assignedBy: z.string(),
  assignedRole: z.string(),
  note: z.string().optional(),
  endedBy: z.string().optional(),
});

/** A partner's customer (R65, R66): its cloud account, phone verification and managers. */
export const customerSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  name: z.string(),
  cloudAccountId: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  phoneVerified: z.boolean(),
  joinedVia: z.enum(['created', 'invitation']),
  creationProcessId: z.string().nullable(),
  associatedAt: z.string(),
  associatedAtLocal: z.string(),
  /** The manager now, or null. */
  manager: managerPeriodSchema.nullable(),
  /** Every period (for a manager's list: its own). */
  managers: z.array(managerPeriodSchema),
});
export const customerListSchema = z.object({ items: z.array(customerSchema) });
export const managerAssignmentSchema = customerSchema.extend({ changed: z.boolean() });

/** A customer's consumption over the periods the caller may read (R65). */
export const consumptionSchema = z.object({
  customerId: z.string(),
  periods: z.array(z.object({ from: z.string(), to: z.string().nullable(), fromLocal: z.string(), toLocal: z.string().nullable() })),
  items: z.array(z.object({ at: z.string(), atLocal: z.string(), product: z.string(), amount: z.number(), currency: z.string() })),
  /** Per currency. */
  totals: z.record(z.string(), z.number()),
});

/** A customer manager's invitation (R65); the token is the accept address's. */
export const invitationSchema = z.object({
  token: z.string(),
  channel: z.enum(['email', 'link', 'qr']),
  managerId: z.string(),
  partnerId: z.string(),
  email: z.string().optional(),
  acceptPath: z.string(),
  /** What the QR code encodes. */
  qrContent: z.string().optional(),
  expiresAt: z.string(),
  expiresAtLocal: z.string(),
});

export const salesTaskStatusSchema = z.enum(['open', 'inProgress', 'done', 'closed']);
/** A handling record (处理记录) of a sales-expansion task. */
export const salesTaskRecordSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  atLocal: z.string(),
  actor: z.string(),
  partnerId: z.string().nullable(),
  action: z.string(),
  from: salesTaskStatusSchema.nullable(),
  to: salesTaskStatusSchema,
  note: z.string().optional(),
});
/** A sales-expansion task (销售拓展任务, R67). */
export const salesTaskSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  customerId: z.string().nullable(),
  /** The partner itself, or a reseller's master distributor. */
  handlerPartnerId: z.string(),
  handledByDistributor: z.boolean(),
  strategy: z.string(),
  strategyLabel: labelsSchema,
  title: z.string(),
  description: z.string().optional(),
  status: salesTaskStatusSchema,
  statusLabel: labelsSchema,
  createdAt: z.string(),
  createdAtLocal: z.string(),
  updatedAt: z.string(),
  updatedAtLocal: z.string(),
  /** On a single task: its handling records. */
  records: z.array(salesTaskRecordSchema).optional(),
});
export const salesTaskListSchema = z.object({ items: z.array(salesTaskSchema) });
/** A reseller's master distributor (R67). */
export const distributorSchema = z.object({ resellerId: z.string(), distributorId: z.string(), since: z.string(), sinceLocal: z.string() });

export type Me = z.infer<typeof meSchema>;
export type PartnerView = z.infer<typeof partnerSchema>;
export type CustomerView = z.infer<typeof customerSchema>;
export type SalesTaskView = z.infer<typeof salesTaskSchema>;
export type SalesTaskStatus = z.infer<typeof salesTaskStatusSchema>;
export type RepairOutcome = z.infer<typeof repairOutcomeSchema>;
export type Withdrawable = z.infer<typeof withdrawableSchema>;
export type ManagerAssignment = z.infer<typeof managerAssignmentSchema>;
export type Consumption = z.infer<typeof consumptionSchema>;
export type InvitationView = z.infer<typeof invitationSchema>;
export type DistributorView = z.infer<typeof distributorSchema>;
