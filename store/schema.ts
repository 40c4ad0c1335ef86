import type {
  CustomerManagersTable,
  CustomersTable,
  DistributorRelationsTable,
  ManagerInvitationsTable,
  SalesTaskRecordsTable,
  SalesTasksTable,
  VerificationCodesTable,
} from './customerSchema';
import type { ApiKeysTable, DelegationsTable, KeyEventsTable, PeopleTable } from './staffSchema';

/** Table shapes as stored: JSON as text and times as ISO-8601 UTC text, so both dialects read the same. */
export interface PartnersTable {
  id: string;
  company_name: string | null;
  company: string;
  contact: string;
  message_settings: string;
  facts: string;
  certified_roles: string;
  updated_at: string;
}

export interface ProcessesTable {
  id: string;
  kind: string;
  kind_version: number;
  partner_id: string;
  customer_id: string | null;
  business_key: string | null;
  state: string;
  state_value: string;
  context: string;
  label: string;
  /** 0 or 1: SQLite has no boolean type. */
  done: number;
  version: number;
  /** JSON array of roles; the inbox reads the tasks table. */
  waiting_for: string | null;
  due_at: string | null;
  started_by: string;
  created_at: string;
  updated_at: string;
}

export interface RecordsTable {
  process_id: string;
  seq: number;
  at: string;
  actor_id: string;
  role: string;
  event: string;
  from_state: string | null;
  to_state: string;
  comment: string | null;
  reason: string | null;
  payload: string | null;
  update_id: string | null;
  /** The reviewer a delegate decided for (R71: "by X on behalf of Y"), else null. */
  on_behalf_of: string | null;
}

export interface OutboxTable {
  key: string;
  process_id: string;
  seq: number;
  channel: string;
  recipient: string;
  audience: string;
  subject: string;
  body: string;
  status: string;
  created_at: string;
  sent_at: string | null;
  // Since 008_outbox_dispatch: what the dispatcher needs (store/outbox.ts).
  /** The partner a message is about when no process names it (an endpoint disabled); else null. */
  partner_id: string | null;
  /** Messages of one order key go out one after another (a recipient; a webhook endpoint and process). */
  order_key: string;
  /** Sort key within the order key: the time it was queued, or a webhook's step number. */
  position: string;
  attempts: number;
  next_attempt_at: string | null;
  claimed_until: string | null;
  claim_token: string | null;
  last_attempt_at: string | null;
  /** The receiver's answer to the last attempt (an SMTP reply, an HTTP status and body), or its error. */
  last_answer: string | null;
  /** Since when the deliveries of this message have failed without a success. */
  failing_since: string | null;
  /** A webhook's endpoint, and the `webhook-id` its receiver sees. */
  endpoint_id: string | null;
  delivery_id: string | null;
  /** The text to send when the stored body is redacted (an SMS code), sealed with the payload key. */
  sealed_body: string | null;
}

/** A partner's webhook endpoint (Standard Webhooks); its secrets sealed with the payload key. */
export interface WebhookEndpointsTable {
  id: string;
  partner_id: string;
  url: string;
  /** JSON list of event types. */
  events: string;
  secret: string;
  /** The secret before the last rotation, still signing until `previous_secret_until`. */
  previous_secret: string | null;
  previous_secret_until: string | null;
  /** 0 or 1. */
  enabled: number;
  disabled_at: string | null;
  disabled_reason: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** One row per process and role it waits for: the inbox (R24's "what can I do now?" across processes). */
export interface TasksTable {
  process_id: string;
  role: string;
  /** When the process began waiting for this role; kept while it keeps waiting. */
  since: string;
  due_at: string | null;
  claimed_by: string | null;
  claimed_at: string | null;
}

/** A migration of a kind's open processes to another version (POST /v1/migrations). */
export interface KindMigrationsTable {
  id: string;
  kind: string;
  to_version: number;
  /** JSON: ops' state mapping, or null. */
  mapping: string | null;
  /** JSON list of the processes named, or null for every open process of the kind. */
  process_ids: string | null;
  requested_by: string;
  status: 'running' | 'done';
  created_at: string;
  finished_at: string | null;
}

/** One process of a migration: where it was, and what became of it. */
export interface KindMigrationItemsTable {
  migration_id: string;
  process_id: string;
  from_version: number | null;
  state: string | null;
  outcome: 'pending' | 'moved' | 'stayed' | 'failed';
  to_state: string | null;
  code: string | null;
  reason: string | null;
  updated_at: string;
}

/** A step recorded before the engine is known to have committed it (store.holdStep). */
export interface HeldStepsTable {
  process_id: string;
  seq: number;
  /** JSON: the step's view and records, written when it is released. */
  step: string;
  update_id: string;
  run_id: string;
  held_at: string;
}

export interface Database {
  partners: PartnersTable;
  processes: ProcessesTable;
  records: RecordsTable;
  outbox: OutboxTable;
  webhook_endpoints: WebhookEndpointsTable;
  tasks: TasksTable;
  customers: CustomersTable;
  customer_managers: CustomerManagersTable;
  manager_invitations: ManagerInvitationsTable;
  verification_codes: VerificationCodesTable;
  distributor_relations: DistributorRelationsTable;
  sales_tasks: SalesTasksTable;
  sales_task_records: SalesTaskRecordsTable;
  kind_migrations: KindMigrationsTable;
  kind_migration_items: KindMigrationItemsTable;
  held_steps: HeldStepsTable;
  repairs: RepairsTable;
  sms_quota: SmsQuotaTable;
  people: PeopleTable;
  delegations: DelegationsTable;
  api_keys: ApiKeysTable;
  key_events: KeyEventsTable;
}

/** Ops' repairs made through the API (cancel, terminate, reset, release, resend a fact), audited. */
export interface RepairsTable {
  id: string;
  process_id: string;
  action: string;
  reason: string;
  /** JSON: what was asked (e.g. the reset point). */
  detail: string;
  actor_id: string;
  actor_role: string;
  requested_at: string;
  /** `requested`, then `done` or `failed`. */
  outcome: string;
  error: string | null;
  finished_at: string | null;
}

/** SMS verification codes sent per scope (`phone:…`, `partner:…`) and day (GMT+08:00). */
export interface SmsQuotaTable {
  scope: string;
  day: string;
  used: number;
}
