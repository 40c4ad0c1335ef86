/** Tables of customers, their managers, invitations, verification codes and sales-expansion tasks (R65–R67). */

export interface CustomersTable {
  id: string;
  partner_id: string;
  name: string;
  /** The cloud account mapped to this customer (R66); null for a customer who joined by invitation with an account of its own. */
  cloud_account_id: string | null;
  email: string | null;
  phone: string | null;
  /** 0 or 1. */
  phone_verified: number;
  /** `created` by the partner (R66) or joined by a manager's `invitation` (R65). */
  joined_via: string;
  creation_process_id: string | null;
  associated_at: string;
}

/** One period of a manager managing a customer; rows are never deleted, so they are the audit of assignments (R65). */
export interface CustomerManagersTable {
  id: string;
  customer_id: string;
  partner_id: string;
  manager_id: string;
  /** `invitation` or `assignment`. */
  via: string;
  since: string;
  until: string | null;
  assigned_by: string;
  assigned_role: string;
  note: string | null;
  ended_by: string | null;
}

export interface ManagerInvitationsTable {
  token: string;
  partner_id: string;
  manager_id: string;
  /** `email`, `link` or `qr`. */
  channel: string;
  email: string | null;
  created_at: string;
  expires_at: string;
  /** An emailed invitation is for one customer: who used it. */
  used_by: string | null;
  used_at: string | null;
}

/** The current SMS verification code of a customer-creation process, hashed (R66). */
export interface VerificationCodesTable {
  process_id: string;
  customer_id: string;
  phone: string;
  salt: string;
  code_hash: string;
  issued_seq: number;
  issued_at: string;
  expires_at: string;
  attempts: number;
  verified_at: string | null;
}

/** A reseller (二级经销商) and its master distributor (一级经销商) (R67). */
export interface DistributorRelationsTable {
  reseller_id: string;
  distributor_id: string;
  since: string;
  set_by: string;
}

export interface SalesTasksTable {
  id: string;
  /** The partner whose customer the task is about (a reseller for its sub-customers). */
  partner_id: string;
  customer_id: string | null;
  /** Who handles it: the partner itself, or a reseller's master distributor (R67). */
  handler_partner_id: string;
  strategy: string;
  title: string;
  description: string | null;
  status: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** The handling records of a task (处理记录), which the reseller may read (R67). */
export interface SalesTaskRecordsTable {
  task_id: string;
  seq: number;
  at: string;
  actor_id: string;
  partner_id: string | null;
  action: string;
  from_status: string | null;
  to_status: string;
  note: string | null;
}
