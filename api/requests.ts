import { z } from 'zod';
import { salesStrategies, salesTaskActions, type SalesStrategy } from '../machines/salesTask';
import { roles } from '../machines/types';
import { webhookEventTypeSchema } from './schemas';

/**
 * The shapes the HTTP API takes (bodies and query strings), as zod schemas: the routes validate with
 * them and the typed client (`sdk/`) takes its arguments' types from them. Like api/schemas.ts, only
 * zod and pure modules of machines/ are imported here, so apps can import it without the server.
 */

export const idempotencyKeySchema = z.string().min(1).max(200);
const cursor = z.string().max(500).optional();
const limit = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback);

/** `POST /v1/processes`. */
export const startRequestSchema = z.strictObject({
  kind: z.string().min(1).max(100),
  input: z.record(z.string(), z.unknown()).default({}),
  businessKey: z.string().trim().min(1).max(128).optional(),
  /** The partner the process is about, when the caller is not that partner (staff, system; a customer's key names its partner). */
  partnerId: z.string().trim().min(1).max(100).optional(),
});

/** `GET /v1/processes`. */
export const processQuerySchema = z.strictObject({
  kind: z.string().max(100).optional(),
  state: z.string().max(200).optional(),
  partnerId: z.string().max(100).optional(),
  customerId: z.string().max(100).optional(),
  waitingFor: z.enum(roles).optional(),
  cursor,
  limit: limit(20),
});

/** `POST /v1/processes/:id/actions`: an event and its payload, checked by the process's kind. */
export const actionSchema = z.looseObject({ type: z.string().min(1).max(100) });

/** `GET /v1/tasks`. */
export const taskQuerySchema = z.strictObject({
  kind: z.string().max(100).optional(),
  partnerId: z.string().max(100).optional(),
  /** Only items waiting since this time or earlier, e.g. for "waiting more than three days". */
  waitingSinceBefore: z.iso.datetime({ offset: true }).optional(),
  /** `true`: only items past their due time. */
  overdue: z.enum(['true']).optional(),
  claimed: z.enum(['mine', 'unclaimed', 'any']).default('any'),
  /** Ops and system may look into another role's inbox. */
  role: z.enum(roles).optional(),
  cursor,
  limit: limit(20),
});

/** `POST /v1/tasks/:processId/release`: ops freeing someone else's hold say why (kept in the audit). */
export const releaseRequestSchema = z.strictObject({ reason: z.string().trim().min(3).max(500).optional() }).nullish();

/** One item of `POST /v1/tasks/decisions`. */
export const decisionItemSchema = z.strictObject({
  processId: z.string().min(1).max(300),
  type: z.string().min(1).max(100),
  /** The review a decision is about, where a process has several (initiation-review). */
  subject: z.string().min(1).max(100).optional(),
  /** Like If-Match: refuse this item unless the process is still at this version. */
  version: z.number().int().min(0).optional(),
});
/** Items a bulk decision takes at most. */
export const maxBulkItems = 100;
export const bulkDecisionRequestSchema = z.strictObject({
  // The cap is declared for clients (OpenAPI maxItems) but checked by the route, which answers it with its own code (too_many_items).
  items: z.array(decisionItemSchema).min(1, 'send at least one item').meta({ maxItems: maxBulkItems }),
  /** One comment for every item (required for rejections). */
  comment: z.string().trim().min(1).max(2000).optional(),
});

/** `PUT /v1/reviewers/:id/delegation`. */
export const delegationRequestSchema = z.strictObject({
  /** The reviewer who stands in. */
  to: z.string().trim().min(1).max(100),
  /** Default: now. */
  from: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }),
});

/** `POST /v1/keys`. */
export const keyRequestSchema = z.strictObject({
  /** The identity the key acts as (a person or an app); four-eyes (R72) compares these ids. */
  id: z.string().trim().min(1).max(100),
  role: z.enum(roles),
  partnerId: z.string().trim().min(1).max(100).optional(),
  customerId: z.string().trim().min(1).max(100).optional(),
  /** Without it the key does not expire. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  name: z.string().trim().min(1).max(100).optional(),
  email: z.email().max(254).optional(),
});
/** `GET /v1/keys`. */
export const keyQuerySchema = z.strictObject({ partnerId: z.string().max(100).optional(), cursor, limit: limit(50) });
/** `GET /v1/keys/events`. */
export const keyEventQuerySchema = z.strictObject({ keyId: z.string().max(100).optional(), partnerId: z.string().max(100).optional(), cursor, limit: limit(50) });

const stateKey = z.string().min(1).max(200);
/** `POST /v1/migrations`. */
export const migrationRequestSchema = z.strictObject({
  kind: z.string().min(1).max(100),
  to: z.number().int().min(1).max(1000),
  /** Only these processes; default: every open process of the kind on another version. */
  processIds: z.array(z.string().min(1).max(300)).min(1).max(10_000).optional(),
  /** Plan only: change nothing, answer what would happen to each process. */
  dryRun: z.boolean().default(false),
  /** States the versions do not share, renamed: `{ "moreMaterialsRequested": "rejected" }`. */
  mapping: z.record(stateKey, stateKey).optional(),
  /** At most this many processes moved a second, so people's actions keep their pace meanwhile. */
  perSecond: z.number().int().min(1).max(1000).default(50),
});

const reason = z.string().trim().min(3, 'Say why (at least 3 characters): it is kept in the audit').max(500);
/** `POST /v1/processes/:id/repairs` (ops). */
export const repairRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('cancel'), reason }),
  z.strictObject({ action: z.literal('terminate'), reason }),
  z.strictObject({
    action: z.literal('reset'),
    reason,
    to: z.enum(['last-workflow-task', 'first-workflow-task']).optional(),
    /** A completed workflow task's event id (from the history), instead of `to`. */
    eventId: z.number().int().positive().optional(),
  }),
  z.strictObject({ action: z.literal('release-review'), reason }),
  z.strictObject({ action: z.literal('resend-facts'), reason }),
]);
/** `POST /v1/bills/runs` (ops): run a month's partner bills again (R60). */
export const billRunRequestSchema = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM, e.g. 2026-05'),
  reason,
});
/** `GET /v1/repairs`. */
export const repairQuerySchema = z.strictObject({ processId: z.string().max(300).optional(), cursor, limit: limit(20) });

/** `GET /v1/partners/:id/notifications`. */
export const notificationQuerySchema = z.strictObject({ processId: z.string().max(300).optional(), cursor, limit: limit(20) });

const webhookUrl = z.string().max(2048, 'must be at most 2048 characters (2 kB)');
const webhookEvents = z
  .array(webhookEventTypeSchema)
  .min(1)
  .refine((list) => new Set(list).size === list.length, 'must not repeat an event type');
/** `POST /v1/webhooks`: `events` defaults to `["process.step"]`. */
export const webhookRequestSchema = z.strictObject({ url: webhookUrl, events: webhookEvents.optional() });
/** `PATCH /v1/webhooks/:id`. */
export const webhookPatchSchema = z
  .strictObject({ url: webhookUrl.optional(), events: webhookEvents.optional(), enabled: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, 'name at least one of url, events, enabled');
/** `GET /v1/webhooks/:id/deliveries`; `status=given_up` lists what to redeliver after an outage or a disabled spell. */
export const deliveryQuerySchema = z.strictObject({ status: z.enum(['pending', 'sending', 'sent', 'failed', 'given_up']).optional(), cursor, limit: limit(20) });

const channels = z.strictObject({ email: z.boolean().optional(), sms: z.boolean().optional() });
/** `PATCH /v1/partners/:id`: what a partner may change about itself (R6). Certification status is not here: only certification processes set it. */
export const partnerPatchSchema = z.strictObject({
  companyName: z.string().trim().min(1).max(200).optional(),
  company: z
    .strictObject({
      address: z.string().trim().max(500).optional(),
      industry: z.string().trim().max(100).optional(),
      website: z.url().max(500).optional(),
      size: z.string().trim().max(50).optional(),
      description: z.string().trim().max(2000).optional(),
    })
    .optional(),
  contact: z
    .strictObject({
      name: z.string().trim().min(1).max(100).optional(),
      email: z.email().max(254).optional(),
      phone: z.string().regex(/^\+?[0-9][0-9 -]{5,19}$/, 'Invalid phone number').optional(),
    })
    .optional(),
  messageSettings: z.strictObject({ actionNeeded: channels.optional(), reviewOutcome: channels.optional(), reminder: channels.optional() }).optional(),
});

/** `PUT /v1/partners/:id/distributor` (ops, R67). */
export const distributorRequestSchema = z.strictObject({ distributorId: z.string().trim().min(1).max(100) });

/** Staff name the partner when two partners have a customer of the same id; others look among their partner's only. */
const whose = { partnerId: z.string().min(1).max(100).optional() };
/** `GET /v1/customers`, `GET /v1/sales-tasks`: staff may narrow to one partner. */
export const partnerFilterSchema = z.strictObject({ partnerId: z.string().max(100).optional() });
/** `GET /v1/customers/:customerId`. */
export const customerQuerySchema = z.strictObject(whose);
/** `PUT /v1/customers/:customerId/manager` (R65). */
export const managerRequestSchema = z.strictObject({ managerId: z.string().trim().min(1).max(200), note: z.string().trim().min(1).max(500).optional() });
/** `GET /v1/customers/:customerId/consumption`. */
export const consumptionQuerySchema = z.strictObject({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(), ...whose });
/** `POST /v1/customers/:customerId/phone-verification` (R66). */
export const phoneVerificationSchema = z.strictObject({ code: z.string().regex(/^\d{6}$/, 'The code is the six digits sent by SMS') });

/** `POST /v1/invitations` (R65). */
export const invitationRequestSchema = z
  .strictObject({ channel: z.enum(['email', 'link', 'qr']), email: z.email().max(254).optional() })
  .refine((b) => (b.channel === 'email') === (b.email !== undefined), { message: 'An email invitation needs "email"; a link or QR code has none', path: ['email'] });

/** `POST /v1/sales-tasks` (R67). */
export const salesTaskRequestSchema = z.strictObject({
  partnerId: z.string().trim().min(1).max(100),
  customerId: z.string().trim().min(1).max(100).optional(),
  strategy: z.enum(Object.keys(salesStrategies) as [SalesStrategy]),
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(2000).optional(),
});
/** `POST /v1/sales-tasks/:id/records`: a handling step (处理记录). */
export const salesTaskRecordRequestSchema = z.strictObject({ action: z.enum(salesTaskActions), note: z.string().trim().min(1).max(2000).optional() });

export type StartRequest = z.input<typeof startRequestSchema>;
export type ActionRequest = z.input<typeof actionSchema>;
export type DecisionItem = z.input<typeof decisionItemSchema>;
export type DelegationRequest = z.input<typeof delegationRequestSchema>;
export type KeyRequest = z.input<typeof keyRequestSchema>;
export type MigrationRequest = z.input<typeof migrationRequestSchema>;
export type RepairRequest = z.input<typeof repairRequestSchema>;
export type BillRunRequest = z.input<typeof billRunRequestSchema>;
export type WebhookRequest = z.input<typeof webhookRequestSchema>;
export type WebhookPatch = z.input<typeof webhookPatchSchema>;
export type PartnerPatch = z.input<typeof partnerPatchSchema>;
export type DistributorRequest = z.input<typeof distributorRequestSchema>;
export type ManagerRequest = z.input<typeof managerRequestSchema>;
export type InvitationRequest = z.input<typeof invitationRequestSchema>;
export type SalesTaskRequest = z.input<typeof salesTaskRequestSchema>;
export type SalesTaskRecordRequest = z.input<typeof salesTaskRecordRequestSchema>;
/** Query strings as the client writes them: every field optional (the API fills its defaults). */
export type ProcessQuery = Partial<z.output<typeof processQuerySchema>>;
export type TaskQuery = Partial<z.output<typeof taskQuerySchema>>;
export type KeyQuery = Partial<z.output<typeof keyQuerySchema>>;
export type KeyEventQuery = Partial<z.output<typeof keyEventQuerySchema>>;
export type RepairQuery = Partial<z.output<typeof repairQuerySchema>>;
export type NotificationQuery = Partial<z.output<typeof notificationQuerySchema>>;
export type DeliveryQuery = Partial<z.output<typeof deliveryQuerySchema>>;
export type PartnerFilter = Partial<z.output<typeof partnerFilterSchema>>;
export type CustomerQuery = Partial<z.output<typeof customerQuerySchema>>;
export type ConsumptionQuery = Partial<z.output<typeof consumptionQuerySchema>>;
