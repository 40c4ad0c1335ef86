import type { Selectable } from 'kysely';
import type { Audience, Labels, PartnerFacts, Role } from '../machines/types';
import type { MessageSettings, OutboxMessage, Partner, ProcessRow, Task, TransitionRecord } from './model';
import { StoreInputError } from './errors';
import type { OutboxTable, PartnersTable, ProcessesTable, RecordsTable, TasksTable } from './schema';

/** Row ↔ model mapping, one pair per table. Times go in as UTC ISO strings whatever offset they came with (R70). */

function utc(time: string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new StoreInputError(`"${time}" is not an ISO-8601 time.`);
  return date.toISOString();
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const parse = <T>(text: string): T => JSON.parse(text) as T;

export function partnerFromRow(row: Selectable<PartnersTable>): Partner {
  return {
    id: row.id,
    companyName: row.company_name,
    company: parse<Record<string, unknown>>(row.company),
    contact: parse<Partner['contact']>(row.contact),
    messageSettings: parse<MessageSettings>(row.message_settings),
    facts: parse<PartnerFacts>(row.facts),
    certifiedRoles: parse<string[]>(row.certified_roles),
    updatedAt: row.updated_at,
  };
}

export function partnerToRow(partner: Partner): PartnersTable {
  return {
    id: partner.id,
    company_name: partner.companyName,
    company: json(partner.company),
    contact: json(partner.contact),
    message_settings: json(partner.messageSettings),
    facts: json(partner.facts),
    certified_roles: json(partner.certifiedRoles),
    updated_at: utc(partner.updatedAt),
  };
}

export function processFromRow(row: Selectable<ProcessesTable>): ProcessRow {
  return {
    id: row.id,
    kind: row.kind,
    kindVersion: row.kind_version,
    partnerId: row.partner_id,
    customerId: row.customer_id,
    businessKey: row.business_key,
    state: row.state,
    stateValue: parse<unknown>(row.state_value),
    context: parse<unknown>(row.context),
    label: parse<Labels>(row.label),
    done: Boolean(row.done),
    version: row.version,
    waitingFor: row.waiting_for ? parse<Role[]>(row.waiting_for) : [],
    dueAt: row.due_at,
    startedBy: row.started_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function processToRow(view: ProcessRow): ProcessesTable {
  return {
    id: view.id,
    kind: view.kind,
    kind_version: view.kindVersion,
    partner_id: view.partnerId,
    customer_id: view.customerId,
    business_key: view.businessKey,
    state: view.state,
    state_value: json(view.stateValue),
    context: json(view.context),
    label: json(view.label),
    done: view.done ? 1 : 0,
    version: view.version,
    waiting_for: json(view.waitingFor),
    due_at: view.dueAt === null ? null : utc(view.dueAt),
    started_by: view.startedBy,
    created_at: utc(view.createdAt),
    updated_at: utc(view.updatedAt),
  };
}

export function recordFromRow(row: Selectable<RecordsTable>): TransitionRecord {
  return {
    processId: row.process_id,
    seq: row.seq,
    at: row.at,
    actorId: row.actor_id,
    ...(row.on_behalf_of !== null && row.on_behalf_of !== undefined && { onBehalfOf: row.on_behalf_of }),
    role: row.role as Role,
    event: row.event,
    from: row.from_state,
    to: row.to_state,
    ...(row.comment !== null && { comment: row.comment }),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.payload !== null && { payload: parse<Record<string, unknown>>(row.payload) }),
    ...(row.update_id !== null && { updateId: row.update_id }),
  };
}

export function recordToRow(record: TransitionRecord): RecordsTable {
  return {
    process_id: record.processId,
    seq: record.seq,
    at: utc(record.at),
    actor_id: record.actorId,
    role: record.role,
    event: record.event,
    from_state: record.from,
    to_state: record.to,
    comment: record.comment ?? null,
    reason: record.reason ?? null,
    payload: record.payload === undefined ? null : json(record.payload),
    update_id: record.updateId ?? null,
    on_behalf_of: record.onBehalfOf ?? null,
  };
}

/**
 * An outbox message and whom it was for; the audience stays in the outbox for ops, it is not part of the
 * message. `customer`: a message to a customer's own phone or address (an SMS verification code, R66).
 * The optional fields are the dispatcher's: a writer may leave them out (defaults below); a row read
 * back has them all.
 */
export type OutboxEntry = OutboxMessage & {
  audience: Audience | 'customer';
  partnerId?: string | null;
  orderKey?: string;
  position?: string;
  endpointId?: string | null;
  deliveryId?: string | null;
  sealedBody?: string | null;
  attempts?: number;
  nextAttemptAt?: string | null;
  claimedUntil?: string | null;
  lastAttemptAt?: string | null;
  lastAnswer?: string | null;
  failingSince?: string | null;
};

/** An outbox row as read: every field there. */
export type OutboxRow = Required<OutboxEntry>;

/** Messages to one recipient on one channel go out in the order they were queued. */
export const orderKeyOf = (message: Pick<OutboxMessage, 'channel' | 'recipient'>) => `${message.channel}:${message.recipient}`;

export function outboxFromRow(row: Selectable<OutboxTable>): OutboxRow {
  return {
    key: row.key,
    processId: row.process_id,
    seq: row.seq,
    channel: row.channel as OutboxMessage['channel'],
    recipient: row.recipient,
    audience: row.audience as OutboxEntry['audience'],
    subject: row.subject,
    body: row.body,
    status: row.status as OutboxMessage['status'],
    createdAt: row.created_at,
    sentAt: row.sent_at,
    partnerId: row.partner_id,
    orderKey: row.order_key,
    position: row.position,
    endpointId: row.endpoint_id,
    deliveryId: row.delivery_id,
    sealedBody: row.sealed_body,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    claimedUntil: row.claimed_until,
    lastAttemptAt: row.last_attempt_at,
    lastAnswer: row.last_answer,
    failingSince: row.failing_since,
  };
}

export function outboxToRow(message: OutboxEntry): OutboxTable {
  const createdAt = utc(message.createdAt);
  return {
    key: message.key,
    process_id: message.processId,
    seq: message.seq,
    channel: message.channel,
    recipient: message.recipient,
    audience: message.audience,
    subject: message.subject,
    body: message.body,
    status: message.status,
    created_at: createdAt,
    sent_at: message.sentAt === null ? null : utc(message.sentAt),
    partner_id: message.partnerId ?? null,
    order_key: message.orderKey ?? orderKeyOf(message),
    position: message.position ?? createdAt,
    attempts: message.attempts ?? 0,
    next_attempt_at: message.nextAttemptAt ?? null,
    claimed_until: message.claimedUntil ?? null,
    claim_token: null,
    last_attempt_at: message.lastAttemptAt ?? null,
    last_answer: message.lastAnswer ?? null,
    failing_since: message.failingSince ?? null,
    endpoint_id: message.endpointId ?? null,
    delivery_id: message.deliveryId ?? null,
    sealed_body: message.sealedBody ?? null,
  };
}

export function taskFromRow(row: Selectable<TasksTable>): Task {
  return {
    processId: row.process_id,
    role: row.role as Role,
    since: row.since,
    dueAt: row.due_at,
    claimedBy: row.claimed_by,
    claimedAt: row.claimed_at,
  };
}
