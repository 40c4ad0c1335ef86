import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type {
  CustomerManagersTable,
  CustomersTable,
  ManagerInvitationsTable,
  SalesTaskRecordsTable,
  SalesTasksTable,
  VerificationCodesTable,
} from './customerSchema';
import type { Database } from './schema';

/** Customers, their managers and invitations, verification codes, distributors and sales tasks (R65–R67). */

export interface Customer {
  id: string;
  partnerId: string;
  name: string;
  cloudAccountId: string | null;
  email: string | null;
  phone: string | null;
  phoneVerified: boolean;
  joinedVia: 'created' | 'invitation';
  creationProcessId: string | null;
  associatedAt: string;
}

export interface ManagerPeriod {
  id: string;
  customerId: string;
  partnerId: string;
  managerId: string;
  via: 'invitation' | 'assignment';
  since: string;
  until: string | null;
  assignedBy: string;
  assignedRole: string;
  note: string | null;
  endedBy: string | null;
}

export type Invitation = Selectable<ManagerInvitationsTable>;
export type VerificationCode = Selectable<VerificationCodesTable>;
export type SalesTask = Selectable<SalesTasksTable>;
export type SalesTaskRecord = Selectable<SalesTaskRecordsTable>;

const customerFromRow = (row: Selectable<CustomersTable>): Customer => ({
  id: row.id,
  partnerId: row.partner_id,
  name: row.name,
  cloudAccountId: row.cloud_account_id,
  email: row.email,
  phone: row.phone,
  phoneVerified: Boolean(row.phone_verified),
  joinedVia: row.joined_via as Customer['joinedVia'],
  creationProcessId: row.creation_process_id,
  associatedAt: row.associated_at,
});

const periodFromRow = (row: Selectable<CustomerManagersTable>): ManagerPeriod => ({
  id: row.id,
  customerId: row.customer_id,
  partnerId: row.partner_id,
  managerId: row.manager_id,
  via: row.via as ManagerPeriod['via'],
  since: row.since,
  until: row.until,
  assignedBy: row.assigned_by,
  assignedRole: row.assigned_role,
  note: row.note,
  endedBy: row.ended_by,
});

export type Registration = { ok: true; customer: Customer } | { ok: false; customer: Customer };

export function createCustomerStore(db: Kysely<Database>) {
  /** A customer id is its partner's own: the same id under two partners is two customers. */
  const getCustomer = async (partnerId: string, id: string) => {
    const row = await db.selectFrom('customers').selectAll().where('partner_id', '=', partnerId).where('id', '=', id).executeTakeFirst();
    return row ? customerFromRow(row) : null;
  };

  return {
    getCustomer,

    /** Every partner's customer of this id (staff look a customer up by id alone). */
    async findCustomers(id: string) {
      const rows = await db.selectFrom('customers').selectAll().where('id', '=', id).orderBy('partner_id').execute();
      return rows.map(customerFromRow);
    },

    async listCustomers(filter: { partnerId?: string; ids?: string[] }) {
      if (filter.ids && filter.ids.length === 0) return [];
      const rows = await db
        .selectFrom('customers')
        .selectAll()
        .$if(filter.partnerId !== undefined, (qb) => qb.where('partner_id', '=', filter.partnerId!))
        .$if(filter.ids !== undefined, (qb) => qb.where('id', 'in', filter.ids!))
        .orderBy('associated_at')
        .orderBy('id')
        .execute();
      return rows.map(customerFromRow);
    },

    /**
     * The customer a creation process made, mapped to its cloud account (R66). Idempotent for the same
     * process; a customer id another process or an invitation of the same partner already holds is not taken over.
     */
    async registerCreated(input: Omit<Customer, 'phoneVerified' | 'joinedVia'> & { creationProcessId: string }): Promise<Registration> {
      await db
        .insertInto('customers')
        .values({
          id: input.id,
          partner_id: input.partnerId,
          name: input.name,
          cloud_account_id: input.cloudAccountId,
          email: input.email,
          phone: input.phone,
          phone_verified: 0,
          joined_via: 'created',
          creation_process_id: input.creationProcessId,
          associated_at: input.associatedAt,
        })
        .onConflict((oc) => oc.columns(['partner_id', 'id']).doNothing())
        .execute();
      const customer = (await getCustomer(input.partnerId, input.id))!;
      return { ok: customer.creationProcessId === input.creationProcessId, customer };
    },

    async markPhoneVerified(partnerId: string, id: string) {
      await db.updateTable('customers').set({ phone_verified: 1 }).where('partner_id', '=', partnerId).where('id', '=', id).execute();
    },

    /** A customer associating through an invitation (R65); an existing customer of the same partner keeps its row. */
    async associateByInvitation(input: { id: string; partnerId: string; name: string; at: string }) {
      await db
        .insertInto('customers')
        .values({
          id: input.id,
          partner_id: input.partnerId,
          name: input.name,
          cloud_account_id: null,
          email: null,
          phone: null,
          phone_verified: 0,
          joined_via: 'invitation',
          creation_process_id: null,
          associated_at: input.at,
        })
        .onConflict((oc) => oc.columns(['partner_id', 'id']).doNothing())
        .execute();
      return (await getCustomer(input.partnerId, input.id))!;
    },

    /** A customer's periods (name its partner: ids are per partner), or a manager's. */
    async managerPeriods(filter: { customer?: { partnerId: string; id: string }; managerId?: string }) {
      const rows = await db
        .selectFrom('customer_managers')
        .selectAll()
        .$if(filter.customer !== undefined, (qb) => qb.where('partner_id', '=', filter.customer!.partnerId).where('customer_id', '=', filter.customer!.id))
        .$if(filter.managerId !== undefined, (qb) => qb.where('manager_id', '=', filter.managerId!))
        .orderBy('since')
        .orderBy('id')
        .execute();
      return rows.map(periodFromRow);
    },

    /**
     * The customer's manager from `at` on: the current period ends, a new one begins, both kept (the audit
     * of assignments). Assigning the current manager again changes nothing.
     */
    async assignManager(input: { customerId: string; partnerId: string; managerId: string; via: ManagerPeriod['via']; at: string; by: { id: string; role: string }; note?: string }) {
      return db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('customer_managers')
          .selectAll()
          .where('partner_id', '=', input.partnerId)
          .where('customer_id', '=', input.customerId)
          .where('until', 'is', null)
          .executeTakeFirst();
        if (current?.manager_id === input.managerId) return { changed: false, period: periodFromRow(current) };
        if (current) await trx.updateTable('customer_managers').set({ until: input.at, ended_by: input.by.id }).where('id', '=', current.id).execute();
        const row = {
          id: randomUUID(),
          customer_id: input.customerId,
          partner_id: input.partnerId,
          manager_id: input.managerId,
          via: input.via,
          since: input.at,
          until: null,
          assigned_by: input.by.id,
          assigned_role: input.by.role,
          note: input.note ?? null,
          ended_by: null,
        };
        await trx.insertInto('customer_managers').values(row).execute();
        return { changed: true, period: periodFromRow(row) };
      });
    },

    async createInvitation(row: Invitation) {
      await db.insertInto('manager_invitations').values(row).execute();
    },

    async getInvitation(token: string) {
      return (await db.selectFrom('manager_invitations').selectAll().where('token', '=', token).executeTakeFirst()) ?? null;
    },

    /** Marks a one-customer (emailed) invitation used; false when someone else used it first. */
    async useInvitation(token: string, customerId: string, at: string) {
      const result = await db
        .updateTable('manager_invitations')
        .set({ used_by: customerId, used_at: at })
        .where('token', '=', token)
        .where((eb) => eb.or([eb('used_by', 'is', null), eb('used_by', '=', customerId)]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    /** Replaces the process's code: a new code makes the old one useless and resets the attempts. */
    async putVerificationCode(row: VerificationCode) {
      await db
        .insertInto('verification_codes')
        .values(row)
        .onConflict((oc) =>
          oc.column('process_id').doUpdateSet({
            salt: row.salt,
            code_hash: row.code_hash,
            phone: row.phone,
            issued_seq: row.issued_seq,
            issued_at: row.issued_at,
            expires_at: row.expires_at,
            attempts: 0,
            verified_at: null,
          }),
        )
        .execute();
    },

    async getVerificationCode(processId: string) {
      return (await db.selectFrom('verification_codes').selectAll().where('process_id', '=', processId).executeTakeFirst()) ?? null;
    },

    /**
     * Counts one try at this code before it is checked, in one conditional UPDATE: false when the tries are
     * used up, so that concurrent guesses cannot slip past the limit between the check and the count.
     */
    async takeAttempt(processId: string, issuedSeq: number, max: number) {
      const result = await db
        .updateTable('verification_codes')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('process_id', '=', processId)
        .where('issued_seq', '=', issuedSeq)
        .where('attempts', '<', max)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async markCodeVerified(processId: string, at: string) {
      await db.updateTable('verification_codes').set({ verified_at: at }).where('process_id', '=', processId).execute();
    },

    async setDistributor(resellerId: string, distributorId: string, by: string, at: string) {
      await db
        .insertInto('distributor_relations')
        .values({ reseller_id: resellerId, distributor_id: distributorId, since: at, set_by: by })
        .onConflict((oc) => oc.column('reseller_id').doUpdateSet({ distributor_id: distributorId, since: at, set_by: by }))
        .execute();
    },

    /** Whether any reseller has this partner as its master distributor. */
    async hasResellers(distributorId: string) {
      return (await db.selectFrom('distributor_relations').select('reseller_id').where('distributor_id', '=', distributorId).executeTakeFirst()) !== undefined;
    },

    async getDistributor(resellerId: string) {
      return (await db.selectFrom('distributor_relations').selectAll().where('reseller_id', '=', resellerId).executeTakeFirst()) ?? null;
    },

    async createTask(task: SalesTask, first: Omit<SalesTaskRecord, 'task_id' | 'seq'>) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('sales_tasks').values(task).execute();
        await trx.insertInto('sales_task_records').values({ ...first, task_id: task.id, seq: 0 }).execute();
      });
    },

    async getTask(id: string) {
      return (await db.selectFrom('sales_tasks').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },

    /** Tasks a partner may see: about its customers or handled by it; or those about the given customers. */
    async listTasks(filter: { partnerId?: string; customerIds?: string[] }) {
      if (filter.customerIds && filter.customerIds.length === 0) return [];
      return db
        .selectFrom('sales_tasks')
        .selectAll()
        .$if(filter.partnerId !== undefined, (qb) =>
          qb.where((eb) => eb.or([eb('partner_id', '=', filter.partnerId!), eb('handler_partner_id', '=', filter.partnerId!)])),
        )
        .$if(filter.customerIds !== undefined, (qb) => qb.where('customer_id', 'in', filter.customerIds!))
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
    },

    /** Appends a handling record and moves the status, only from the status the caller saw (no lost updates). */
    async recordTask(taskId: string, fromStatus: string, record: Omit<SalesTaskRecord, 'task_id' | 'seq' | 'from_status'>) {
      return db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('sales_tasks')
          .set({ status: record.to_status, updated_at: record.at })
          .where('id', '=', taskId)
          .where('status', '=', fromStatus)
          .executeTakeFirst();
        if (moved.numUpdatedRows === 0n) return false;
        const last = await trx.selectFrom('sales_task_records').select((eb) => eb.fn.max('seq').as('seq')).where('task_id', '=', taskId).executeTakeFirst();
        await trx
          .insertInto('sales_task_records')
          .values({ ...record, task_id: taskId, seq: Number(last?.seq ?? -1) + 1, from_status: fromStatus })
          .execute();
        return true;
      });
    },

    async listTaskRecords(taskId: string) {
      return db.selectFrom('sales_task_records').selectAll().where('task_id', '=', taskId).orderBy('seq').execute();
    },
  };
}

export type CustomerStore = ReturnType<typeof createCustomerStore>;
