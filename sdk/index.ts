import { z } from 'zod';
import type {
  ActionRequest,
  BillRunRequest,
  ConsumptionQuery,
  CustomerQuery,
  DecisionItem,
  DelegationRequest,
  DeliveryQuery,
  DistributorRequest,
  InvitationRequest,
  KeyEventQuery,
  KeyQuery,
  KeyRequest,
  ManagerRequest,
  MigrationRequest as MigrationBody,
  NotificationQuery,
  PartnerFilter,
  PartnerPatch,
  ProcessQuery,
  RepairQuery,
  RepairRequest,
  SalesTaskRecordRequest,
  SalesTaskRequest,
  StartRequest,
  TaskQuery as TaskQueryBody,
  WebhookPatch,
  WebhookRequest,
} from '../api/requests';
import {
  bulkDecisionSchema,
  consumptionSchema,
  createdKeySchema,
  customerListSchema,
  customerSchema,
  delegationListSchema,
  distributorSchema,
  invitationSchema,
  managerAssignmentSchema,
  migrationListSchema,
  salesTaskListSchema,
  salesTaskSchema,
  withdrawableSchema,
  delegationSchema,
  errorBodySchema,
  keyEventPageSchema,
  managedKeyPageSchema,
  managedKeySchema,
  meSchema,
  partnerSchema,
  reviewReportSchema,
  kindDescriptionSchema,
  kindListSchema,
  migrationPlanSchema,
  migrationSchema,
  notificationPageSchema,
  processEventSchema,
  processPageSchema,
  processViewSchema,
  repairOutcomeSchema,
  repairPageSchema,
  taskItemSchema,
  taskPageSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
  type KindDescription,
  type Me,
  type Migration,
  type MigrationPlan,
  type Notification,
  type Page,
  type PartnerView,
  type ProcessEvent,
  type ProcessView,
  type Repair,
  type RepairOutcome,
  type TaskItem,
  type BulkResult,
  type CreatedKey,
  type DelegationView,
  type KeyEventView,
  type ManagedKeyView,
  type ReviewReportView,
  type WebhookDelivery,
  type WebhookEndpointView,
  type Consumption,
  type CustomerView,
  type DistributorView,
  type InvitationView,
  type ManagerAssignment,
  type SalesTaskView,
  type Withdrawable,
} from '../api/schemas';
import { PartnerflowError } from './errors';
import { readEventStream } from './sse';

/**
 * A typed client of partnerflow's HTTP API v1 for other TypeScript apps. Its types are inferred from
 * the API's own zod schemas (api/schemas.ts), and every answer is checked against them.
 *
 * ```ts
 * const pf = new PartnerflowClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.PARTNERFLOW_KEY! });
 * const { process } = await pf.start({ kind: 'nre-milestones', input: { project: 'Smart factory' }, businessKey: 'smart-factory' });
 * await pf.act(process.id, { type: 'APPLY', milestone: 1, materials }, { idempotencyKey: 'apply-m1', ifMatch: process.version });
 * ```
 */



/**
 * What the client takes and answers, all from the API's own schemas (api/requests.ts, api/schemas.ts):
 * nothing here is declared a second time.
 */
export type {
  ActionRequest, BillRunRequest, ConsumptionQuery, CustomerQuery, DecisionItem, DelegationRequest, DistributorRequest, InvitationRequest, KeyRequest, ManagerRequest, PartnerFilter, PartnerPatch,
  RepairRequest, SalesTaskRecordRequest, SalesTaskRequest, StartRequest, WebhookPatch, WebhookRequest,
};
export type {
  BulkResult, Consumption, CreatedKey, CustomerView, DelegationView, DistributorView, InvitationView, KeyEventView, KindDescription, ManagedKeyView, ManagerAssignment, Me, Migration,
  MigrationPlan, Notification, Page, PartnerView, ProcessEvent, ProcessView, Repair, RepairOutcome, ReviewReportView, SalesTaskView, TaskItem, WebhookDelivery, WebhookEndpointView, Withdrawable,
};
export { PartnerflowError };
/** `POST /v1/keys`: the identity a new key acts as. */
export type NewKey = KeyRequest;
/** A migration as the client asks for it: planned (`planMigration`) or run (`startMigration`). */
export type MigrationRequest = Omit<MigrationBody, 'dryRun' | 'perSecond'>;
export type ListQuery = ProcessQuery;
/** The inbox query; `overdue: true` keeps only items past their due time. */
export type TaskQuery = Omit<TaskQueryBody, 'overdue'> & { overdue?: boolean };

export interface PartnerflowClientOptions {
  /** e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  apiKey: string;
  /** Another fetch (a proxy agent, a test double of the network); default: the global fetch. */
  fetch?: typeof fetch;
}

export interface ActOptions {
  /** Makes a retried request apply once (it becomes the Update id). */
  idempotencyKey?: string;
  /** Refuse with 412 `version_mismatch` unless the process is still at this version. */
  ifMatch?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

export class PartnerflowClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: PartnerflowClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Every process kind: states, events with JSON Schema, who may send them, the Mermaid diagram. */
  async kinds(): Promise<KindDescription[]> {
    return (await this.request('GET', '/v1/kinds', kindListSchema)).body.items;
  }

  kind(name: string): Promise<KindDescription> {
    return this.request('GET', `/v1/kinds/${encodeURIComponent(name)}`, kindDescriptionSchema).then((r) => r.body);
  }

  /** Starts a process, or finds the one kind + partner + businessKey (or the idempotency key) name: then `created` is false. */
  async start(request: StartRequest, options: { idempotencyKey?: string } = {}): Promise<{ created: boolean; process: ProcessView }> {
    const { status, body } = await this.request('POST', '/v1/processes', processViewSchema, {
      body: { kind: request.kind, input: request.input ?? {}, ...(request.businessKey ? { businessKey: request.businessKey } : {}), ...(request.partnerId ? { partnerId: request.partnerId } : {}) },
      headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
    });
    return { created: status === 201, process: body };
  }

  /** A process with its records, as the caller may see it. */
  view(id: string): Promise<ProcessView> {
    return this.request('GET', `/v1/processes/${encodeURIComponent(id)}`, processViewSchema).then((r) => r.body);
  }

  /** Sends an event (`{ type: 'SUBMIT', ... }`) and answers the new view; a refusal throws PartnerflowError and changed nothing. */
  act(id: string, action: ActionRequest, options: ActOptions = {}): Promise<ProcessView> {
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    return this.request('POST', `/v1/processes/${encodeURIComponent(id)}/actions`, processViewSchema, { body: action, headers }).then((r) => r.body);
  }

  /** One page of processes, newest first; pass `next` back as `cursor` for the following one. */
  list(query: ListQuery = {}): Promise<Page<ProcessView>> {
    return this.request('GET', '/v1/processes', processPageSchema, { query: { ...query } }).then((r) => r.body);
  }

  /** Every process the query names, page after page. */
  async *listAll(query: Omit<ListQuery, 'cursor'> = {}): AsyncGenerator<ProcessView> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...query, cursor });
      yield* page.items;
      cursor = page.next;
    } while (cursor);
  }

  /** The caller's inbox, oldest first, each item with its task (due time, who holds it). */
  tasks(query: TaskQuery = {}): Promise<Page<TaskItem>> {
    const { overdue, ...rest } = query;
    return this.request('GET', '/v1/tasks', taskPageSchema, { query: { ...rest, ...(overdue ? { overdue: 'true' } : {}) } }).then((r) => r.body);
  }

  claim(processId: string): Promise<TaskItem> {
    return this.request('POST', `/v1/tasks/${encodeURIComponent(processId)}/claim`, taskItemSchema, { body: {} }).then((r) => r.body);
  }

  /** Lets go of a review you hold; ops free anyone's (a repair: say why in `reason`, kept in the audit). */
  release(processId: string, reason?: string): Promise<TaskItem> {
    return this.request('POST', `/v1/tasks/${encodeURIComponent(processId)}/release`, taskItemSchema, { body: reason ? { reason } : {} }).then((r) => r.body);
  }

  /** Ops: cancel, terminate or reset a process's run, release a review someone holds, resend facts; audited. */
  repair(processId: string, request: RepairRequest): Promise<RepairOutcome> {
    return this.request('POST', `/v1/processes/${encodeURIComponent(processId)}/repairs`, repairOutcomeSchema, { body: request }).then((r) => r.body);
  }

  /** Ops: run a month's partner bills again (R60), e.g. `{ month: '2026-05', reason }`; audited like a repair. */
  rerunBills(request: BillRunRequest): Promise<RepairOutcome> {
    return this.request('POST', '/v1/bills/runs', repairOutcomeSchema, { body: request }).then((r) => r.body);
  }

  /** Ops: the repairs made through the API, newest first. */
  repairs(query: RepairQuery = {}): Promise<Page<Repair>> {
    return this.request('GET', '/v1/repairs', repairPageSchema, { query }).then((r) => r.body);
  }

  /** The messages sent to a partner about its processes, newest first. */
  notifications(partnerId: string, query: NotificationQuery = {}): Promise<Page<Notification>> {
    return this.request('GET', `/v1/partners/${encodeURIComponent(partnerId)}/notifications`, notificationPageSchema, { query }).then((r) => r.body);
  }

  /** Managed API keys (no secrets), newest first: ops see all, a partner its own. */
  keys(query: KeyQuery = {}): Promise<Page<ManagedKeyView>> {
    return this.request('GET', '/v1/keys', managedKeyPageSchema, { query }).then((r) => r.body);
  }

  /** Makes a key; the answer's `key` is shown this once. */
  createKey(key: KeyRequest): Promise<CreatedKey> {
    return this.request('POST', '/v1/keys', createdKeySchema, { body: key }).then((r) => r.body);
  }

  /** One managed key (no secret). */
  key(keyId: string): Promise<ManagedKeyView> {
    return this.request('GET', `/v1/keys/${encodeURIComponent(keyId)}`, managedKeySchema).then((r) => r.body);
  }

  /** Revokes a key at once: its next request is refused (401 `key_revoked`). */
  revokeKey(keyId: string): Promise<ManagedKeyView> {
    return this.request('DELETE', `/v1/keys/${encodeURIComponent(keyId)}`, managedKeySchema).then((r) => r.body);
  }

  /** The keys' audit list, newest first. */
  keyEvents(query: KeyEventQuery = {}): Promise<Page<KeyEventView>> {
    return this.request('GET', '/v1/keys/events', keyEventPageSchema, { query }).then((r) => r.body);
  }

  /** A reviewer away: `to` stands in from `from` (default now) until `until`. */
  delegate(reviewerId: string, period: DelegationRequest): Promise<DelegationView> {
    return this.request('PUT', `/v1/reviewers/${encodeURIComponent(reviewerId)}/delegation`, delegationSchema, { body: period }).then((r) => r.body);
  }

  async delegations(reviewerId: string): Promise<DelegationView[]> {
    return (await this.request('GET', `/v1/reviewers/${encodeURIComponent(reviewerId)}/delegations`, delegationListSchema)).body.items;
  }

  cancelDelegation(reviewerId: string, delegationId: string): Promise<DelegationView> {
    return this.request('DELETE', `/v1/reviewers/${encodeURIComponent(reviewerId)}/delegations/${encodeURIComponent(delegationId)}`, delegationSchema).then((r) => r.body);
  }

  /** Decides several reviews; each item is applied or refused on its own (`ok`, `error`). An idempotency key makes the batch safe to resend. */
  async decideMany(items: DecisionItem[], options: { comment?: string; idempotencyKey?: string } = {}): Promise<BulkResult[]> {
    const { body } = await this.request('POST', '/v1/tasks/decisions', bulkDecisionSchema, {
      body: { items, ...(options.comment ? { comment: options.comment } : {}) },
      headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
    });
    return body.results;
  }

  /** Review times per kind and reviewer (ops), in working hours of the GMT+08:00 calendar. */
  reviewReport(query: { from?: string; to?: string; kind?: string } = {}): Promise<ReviewReportView> {
    return this.request('GET', '/v1/reports/reviews', reviewReportSchema, { query }).then((r) => r.body);
  }

  /**
   * The process's recorded steps as they happen (server-sent events), from step `after + 1`; ends when
   * the process has ended and every step was delivered, or when `signal` aborts.
   */
  async *events(id: string, options: { after?: number; signal?: AbortSignal } = {}): AsyncGenerator<ProcessEvent> {
    const response = await this.send('GET', `/v1/processes/${encodeURIComponent(id)}/events`, {
      headers: { accept: 'text/event-stream', ...(options.after !== undefined ? { 'last-event-id': String(options.after) } : {}) },
      signal: options.signal,
    });
    if (!response.ok) throw await this.failure(response);
    for await (const message of readEventStream(response.body!, options.signal)) {
      if (message.event === 'end') return;
      if (message.event === 'record') yield processEventSchema.parse(JSON.parse(message.data));
    }
  }

  /** Who the key belongs to: id, role, partner or customer. */
  me(): Promise<Me> {
    return this.request('GET', '/v1/me', meSchema).then((r) => r.body);
  }

  /** A partner: company, contact, message settings, certification status, programs. */
  partner(partnerId: string): Promise<PartnerView> {
    return this.request('GET', `/v1/partners/${encodeURIComponent(partnerId)}`, partnerSchema).then((r) => r.body);
  }

  /** Changes a partner's company information, contact or message settings (R6): the partner itself, or ops. */
  updatePartner(partnerId: string, patch: PartnerPatch): Promise<PartnerView> {
    return this.request('PATCH', `/v1/partners/${encodeURIComponent(partnerId)}`, partnerSchema, { body: patch }).then((r) => r.body);
  }

  /** The withdrawable amount now (可提现金额, R61), with its parts, in cents. */
  withdrawable(partnerId: string): Promise<Withdrawable> {
    return this.request('GET', `/v1/partners/${encodeURIComponent(partnerId)}/withdrawable`, withdrawableSchema).then((r) => r.body);
  }

  /** Ops: makes `resellerId` a reseller under a master distributor, which handles its sub-customers' sales tasks (R67). */
  setDistributor(resellerId: string, request: DistributorRequest): Promise<DistributorView> {
    return this.request('PUT', `/v1/partners/${encodeURIComponent(resellerId)}/distributor`, distributorSchema, { body: request }).then((r) => r.body);
  }

  /** A partner bill's printable invoice list (开票清单, R62): an HTML page. */
  async invoiceList(processId: string): Promise<string> {
    const response = await this.send('GET', `/v1/processes/${encodeURIComponent(processId)}/invoice-list`, { headers: { accept: 'text/html' } });
    if (!response.ok) throw await this.failure(response);
    return response.text();
  }

  /** A partner's customers; a manager's managed customers (R65); staff may name the partner. */
  async customers(query: PartnerFilter = {}): Promise<CustomerView[]> {
    return (await this.request('GET', '/v1/customers', customerListSchema, { query })).body.items;
  }

  customer(customerId: string, query: CustomerQuery = {}): Promise<CustomerView> {
    return this.request('GET', `/v1/customers/${encodeURIComponent(customerId)}`, customerSchema, { query }).then((r) => r.body);
  }

  /** Assigns the customer's manager (R65); `changed` is false when it was that manager already. */
  assignManager(customerId: string, request: ManagerRequest): Promise<ManagerAssignment> {
    return this.request('PUT', `/v1/customers/${encodeURIComponent(customerId)}/manager`, managerAssignmentSchema, { body: request }).then((r) => r.body);
  }

  /** A customer's consumption in the periods the caller may read (R65), with totals per currency. */
  consumption(customerId: string, query: ConsumptionQuery = {}): Promise<Consumption> {
    return this.request('GET', `/v1/customers/${encodeURIComponent(customerId)}/consumption`, consumptionSchema, { query }).then((r) => r.body);
  }

  /** Enters the six-digit SMS code sent when the customer was created (R66). */
  verifyPhone(customerId: string, code: string): Promise<CustomerView> {
    return this.request('POST', `/v1/customers/${encodeURIComponent(customerId)}/phone-verification`, customerSchema, { body: { code } }).then((r) => r.body);
  }

  /** A customer manager invites a customer by email, link or QR code (R65). */
  invite(request: InvitationRequest): Promise<InvitationView> {
    return this.request('POST', '/v1/invitations', invitationSchema, { body: request }).then((r) => r.body);
  }

  /** A customer's key accepts an invitation: the customer associates with the partner and belongs to the inviting manager. */
  acceptInvitation(token: string): Promise<CustomerView> {
    return this.request('POST', `/v1/invitations/${encodeURIComponent(token)}/accept`, customerSchema, { body: {} }).then((r) => r.body);
  }

  /** Sales-expansion tasks within the caller's scope (R67). */
  async salesTasks(query: PartnerFilter = {}): Promise<SalesTaskView[]> {
    return (await this.request('GET', '/v1/sales-tasks', salesTaskListSchema, { query })).body.items;
  }

  /** The vendor (system, ops) creates a sales-expansion task; a reseller's sub-customer's goes to its master distributor. */
  createSalesTask(request: SalesTaskRequest): Promise<SalesTaskView> {
    return this.request('POST', '/v1/sales-tasks', salesTaskSchema, { body: request }).then((r) => r.body);
  }

  /** A task with its handling records (处理记录). */
  salesTask(id: string): Promise<SalesTaskView> {
    return this.request('GET', `/v1/sales-tasks/${encodeURIComponent(id)}`, salesTaskSchema).then((r) => r.body);
  }

  /** Its handler starts, notes, completes or closes a task. */
  handleSalesTask(id: string, request: SalesTaskRecordRequest): Promise<SalesTaskView> {
    return this.request('POST', `/v1/sales-tasks/${encodeURIComponent(id)}/records`, salesTaskSchema, { body: request }).then((r) => r.body);
  }

  /** Registers a webhook endpoint (a partner's key); the answer's `secret` (`whsec_…`) is shown this once. */
  createWebhook(request: WebhookRequest): Promise<WebhookEndpointView & { secret: string }> {
    return this.request('POST', '/v1/webhooks', webhookEndpointWithSecretSchema, { body: request }).then((r) => r.body);
  }

  async webhooks(): Promise<WebhookEndpointView[]> {
    return (await this.request('GET', '/v1/webhooks', webhookEndpointListSchema)).body.items;
  }

  webhook(id: string): Promise<WebhookEndpointView> {
    return this.request('GET', `/v1/webhooks/${encodeURIComponent(id)}`, webhookEndpointSchema).then((r) => r.body);
  }

  /** Changes an endpoint's URL or events, disables it, or enables it again. */
  updateWebhook(id: string, patch: WebhookPatch): Promise<WebhookEndpointView> {
    return this.request('PATCH', `/v1/webhooks/${encodeURIComponent(id)}`, webhookEndpointSchema, { body: patch }).then((r) => r.body);
  }

  /** Deletes an endpoint; deliveries not yet made are given up. */
  async deleteWebhook(id: string): Promise<void> {
    await this.request('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`, z.null());
  }

  /** A new signing secret, shown once; for 24 hours deliveries are signed with the old one too. */
  rotateWebhookSecret(id: string): Promise<WebhookEndpointView & { secret: string }> {
    return this.request('POST', `/v1/webhooks/${encodeURIComponent(id)}/rotate-secret`, webhookEndpointWithSecretSchema, { body: {} }).then((r) => r.body);
  }

  /** An endpoint's delivery log, newest first. */
  webhookDeliveries(id: string, query: DeliveryQuery = {}): Promise<Page<WebhookDelivery>> {
    return this.request('GET', `/v1/webhooks/${encodeURIComponent(id)}/deliveries`, webhookDeliveryPageSchema, { query }).then((r) => r.body);
  }

  /** Delivers again (same webhook-id), due at once. */
  redeliver(id: string, deliveryId: string): Promise<WebhookDelivery> {
    return this.request('POST', `/v1/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`, webhookDeliverySchema, { body: {} }).then((r) => r.body);
  }

  /**
   * Ops: what moving a kind's open processes (or the ones named) to version `to` would do, per process,
   * changing nothing.
   */
  planMigration(request: MigrationRequest): Promise<MigrationPlan> {
    return this.request('POST', '/v1/migrations', migrationPlanSchema, { body: { ...request, dryRun: true } }).then((r) => r.body);
  }

  /** Ops: moves them now, in a durable batch; answers its id (follow it with `migration(id)`). */
  startMigration(request: MigrationRequest & { perSecond?: number }): Promise<{ id: string }> {
    return this.request('POST', '/v1/migrations', z.object({ id: z.string() }), { body: { ...request, dryRun: false } }).then((r) => r.body);
  }

  /** Ops: recent migrations, newest first. */
  async migrations(): Promise<Migration[]> {
    return (await this.request('GET', '/v1/migrations', migrationListSchema)).body.items;
  }

  migration(id: string): Promise<Migration> {
    return this.request('GET', `/v1/migrations/${encodeURIComponent(id)}`, migrationSchema).then((r) => r.body);
  }

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: { body?: unknown; headers?: Record<string, string>; query?: Query } = {},
  ): Promise<{ status: number; body: z.infer<S> }> {
    const response = await this.send(method, path, options);
    if (!response.ok) throw await this.failure(response);
    // 204 No Content answers nothing: the schema is z.null().
    const parsed = schema.safeParse(response.status === 204 ? null : await response.json());
    if (!parsed.success) throw new PartnerflowError(response.status, 'unexpected_answer', `The API's answer to ${method} ${path} does not have the expected shape: ${parsed.error.message}`);
    return { status: response.status, body: parsed.data };
  }

  private async send(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; query?: Query; signal?: AbortSignal }) {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    try {
      return await this.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new PartnerflowError(0, 'unreachable', `Could not reach partnerflow at ${this.baseUrl}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}.`);
    }
  }

  private async failure(response: Response): Promise<PartnerflowError> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = errorBodySchema.safeParse(body);
    const retryAfter = response.headers.get('retry-after');
    if (parsed.success) return new PartnerflowError(response.status, parsed.data.error.code, parsed.data.error.reason, retryAfter ? Number(retryAfter) : undefined);
    return new PartnerflowError(response.status, 'http_error', `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 200)}`);
  }
}

/**
 * The API operation (as /openapi.json names it) each method of the client calls. The compiler holds it
 * to every public method; test/sdkCoverage.test.ts holds it to every operation of the API, so an
 * operation added without a method here fails the tests.
 */
export const sdkOperations = {
  kinds: 'GET /v1/kinds',
  kind: 'GET /v1/kinds/{kind}',
  start: 'POST /v1/processes',
  view: 'GET /v1/processes/{id}',
  act: 'POST /v1/processes/{id}/actions',
  list: 'GET /v1/processes',
  listAll: 'GET /v1/processes',
  events: 'GET /v1/processes/{id}/events',
  invoiceList: 'GET /v1/processes/{id}/invoice-list',
  tasks: 'GET /v1/tasks',
  claim: 'POST /v1/tasks/{processId}/claim',
  release: 'POST /v1/tasks/{processId}/release',
  decideMany: 'POST /v1/tasks/decisions',
  repair: 'POST /v1/processes/{id}/repairs',
  repairs: 'GET /v1/repairs',
  notifications: 'GET /v1/partners/{id}/notifications',
  me: 'GET /v1/me',
  partner: 'GET /v1/partners/{id}',
  updatePartner: 'PATCH /v1/partners/{id}',
  withdrawable: 'GET /v1/partners/{id}/withdrawable',
  setDistributor: 'PUT /v1/partners/{id}/distributor',
  customers: 'GET /v1/customers',
  customer: 'GET /v1/customers/{customerId}',
  assignManager: 'PUT /v1/customers/{customerId}/manager',
  consumption: 'GET /v1/customers/{customerId}/consumption',
  verifyPhone: 'POST /v1/customers/{customerId}/phone-verification',
  invite: 'POST /v1/invitations',
  acceptInvitation: 'POST /v1/invitations/{token}/accept',
  salesTasks: 'GET /v1/sales-tasks',
  createSalesTask: 'POST /v1/sales-tasks',
  salesTask: 'GET /v1/sales-tasks/{id}',
  handleSalesTask: 'POST /v1/sales-tasks/{id}/records',
  keys: 'GET /v1/keys',
  createKey: 'POST /v1/keys',
  key: 'GET /v1/keys/{keyId}',
  revokeKey: 'DELETE /v1/keys/{keyId}',
  keyEvents: 'GET /v1/keys/events',
  delegate: 'PUT /v1/reviewers/{id}/delegation',
  delegations: 'GET /v1/reviewers/{id}/delegations',
  cancelDelegation: 'DELETE /v1/reviewers/{id}/delegations/{delegationId}',
  reviewReport: 'GET /v1/reports/reviews',
  createWebhook: 'POST /v1/webhooks',
  webhooks: 'GET /v1/webhooks',
  webhook: 'GET /v1/webhooks/{id}',
  updateWebhook: 'PATCH /v1/webhooks/{id}',
  deleteWebhook: 'DELETE /v1/webhooks/{id}',
  rotateWebhookSecret: 'POST /v1/webhooks/{id}/rotate-secret',
  webhookDeliveries: 'GET /v1/webhooks/{id}/deliveries',
  redeliver: 'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
  planMigration: 'POST /v1/migrations',
  startMigration: 'POST /v1/migrations',
  migrations: 'GET /v1/migrations',
  migration: 'GET /v1/migrations/{id}',
  rerunBills: 'POST /v1/bills/runs',
} as const satisfies Record<keyof PartnerflowClient, `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /v1/${string}`>;
