import type { Labels, NotifyParams, PartnerFacts, PartnerTopic, Role } from '../machines/types';

/** One line of a process's audit trail (R71). Unique by (processId, seq). */
export interface TransitionRecord {
  processId: string;
  seq: number;
  /** ISO-8601 UTC (R70). */
  at: string;
  actorId: string;
  /** The reviewer a delegate decided for (R71: "by X on behalf of Y"). */
  onBehalfOf?: string;
  role: Role;
  event: string;
  from: string | null;
  to: string;
  comment?: string;
  reason?: string;
  /** The event's payload as accepted (without type, actor, at). */
  payload?: Record<string, unknown>;
  /** The Update that caused it: the actor's id and its Idempotency-Key, when one was sent. */
  updateId?: string;
}

/** The current view of a process as the records store keeps it; lists, ended processes and the inbox are served from it. */
export interface ProcessRow {
  id: string;
  kind: string;
  kindVersion: number;
  partnerId: string;
  /** The customer account the process is about (disassociation, partner payment), or null. */
  customerId: string | null;
  businessKey: string | null;
  /** Dotted state path, e.g. `review.pending`; for parallel states the regions joined by ` | `. */
  state: string;
  /** The XState state value (JSON). */
  stateValue: unknown;
  /** The machine's context (JSON). */
  context: unknown;
  label: Labels;
  done: boolean;
  /** The sequence number of the last recorded transition; `If-Match` compares with it. */
  version: number;
  /** Whose move it is now, for the inbox: the roles (several when parallel regions wait), empty when nobody's. */
  waitingFor: Role[];
  /** When the earliest pending review is due (ISO UTC), or null. */
  dueAt: string | null;
  startedBy: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * Where a message is on its way (R74). `held`: written by a step not yet known committed, not sent until
 * released; `pending`: due at its next attempt; `sending`: claimed by a sender until its claim expires;
 * `sent`: the receiver accepted it; `given_up`: a webhook delivery past its retries, or an endpoint
 * deleted or disabled. `failed` is what releases before the dispatcher wrote after a failed send: due again.
 */
export type OutboxStatus = 'held' | 'pending' | 'sending' | 'sent' | 'failed' | 'given_up';

export type OutboxChannel = 'email' | 'sms' | 'webhook';

/** A message for the outbox: unique by key = processId/seq/channel/recipient (R74); a webhook's recipient is its endpoint. */
export interface OutboxMessage {
  key: string;
  processId: string;
  seq: number;
  channel: OutboxChannel;
  recipient: string;
  subject: string;
  body: string;
  status: OutboxStatus;
  createdAt: string;
  sentAt: string | null;
}

/** Which channels a partner wants for each topic (消息接收设置, R6). */
export type MessageSettings = Record<PartnerTopic, { email: boolean; sms: boolean }>;

export const defaultMessageSettings: MessageSettings = {
  actionNeeded: { email: true, sms: false },
  reviewOutcome: { email: true, sms: true },
  reminder: { email: true, sms: false },
};

export interface Partner {
  id: string;
  companyName: string | null;
  /** Basic/company information (R6): free-form but validated at the edge. */
  company: Record<string, unknown>;
  contact: { name?: string; email?: string; phone?: string };
  messageSettings: MessageSettings;
  /** Certification status (R3, R5): read-only for the partner, set by certification processes. */
  facts: PartnerFacts;
  certifiedRoles: string[];
  updatedAt: string;
}

/** Everything one accepted event changed, written by one idempotent activity. */
export interface Step {
  view: ProcessRow;
  records: TransitionRecord[];
  notifications: Array<NotifyParams & { seq: number }>;
}

/** An item of someone's inbox: a process waiting for a role, and who holds it. */
export interface Task {
  processId: string;
  role: Role;
  since: string;
  dueAt: string | null;
  claimedBy: string | null;
  claimedAt: string | null;
}
