import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Append only: a migration that ran on some database is never edited, a change is a new entry. */
const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('partners')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_name', 'text')
        .addColumn('company', 'text', (c) => c.notNull())
        .addColumn('contact', 'text', (c) => c.notNull())
        .addColumn('message_settings', 'text', (c) => c.notNull())
        .addColumn('facts', 'text', (c) => c.notNull())
        .addColumn('certified_roles', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('processes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('kind_version', 'integer', (c) => c.notNull())
        .addColumn('partner_id', 'text', (c) => c.notNull())
        .addColumn('business_key', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('state_value', 'text', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('done', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('waiting_for', 'text')
        .addColumn('started_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('processes_partner_id').on('processes').column('partner_id').execute();
      await db.schema.createIndex('processes_kind_state').on('processes').columns(['kind', 'state']).execute();
      await db.schema.createIndex('processes_waiting_for').on('processes').column('waiting_for').execute();
      await db.schema.createIndex('processes_created_at_id').on('processes').columns(['created_at', 'id']).execute();

      await db.schema
        .createTable('records')
        .addColumn('process_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('reason', 'text')
        .addColumn('payload', 'text')
        .addPrimaryKeyConstraint('records_pk', ['process_id', 'seq'])
        .execute();

      await db.schema
        .createTable('outbox')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('process_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('audience', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .execute();
      await db.schema.createIndex('outbox_process_id').on('outbox').columns(['process_id', 'seq']).execute();
      await db.schema.createIndex('outbox_recipient').on('outbox').column('recipient').execute();
    },
  },
  '002_record_update_ids': {
    // The Update id (actor + Idempotency-Key) that caused a transition, so a retry is answered even after the process ended.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('records').addColumn('update_id', 'text').execute();
    },
  },
  '003_inbox': {
    // The inbox: one task per process and role it waits for, with its due time and who holds it.
    // `waiting_for` becomes a JSON list, since parallel regions may wait for several roles at once.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tasks')
        .addColumn('process_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text')
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_at', 'text')
        .addPrimaryKeyConstraint('tasks_pk', ['process_id', 'role'])
        .execute();
      await db.schema.createIndex('tasks_role_since').on('tasks').columns(['role', 'since', 'process_id']).execute();
      // Until now `waiting_for` held one role as plain text.
      await db
        .insertInto('tasks')
        .columns(['process_id', 'role', 'since'])
        .expression((eb) => eb.selectFrom('processes').select(['id', 'waiting_for', 'updated_at']).where('waiting_for', 'is not', null).where('done', '=', 0))
        .execute();
      await db
        .updateTable('processes')
        .set({ waiting_for: sql<string>`'["' || waiting_for || '"]'` })
        .where('waiting_for', 'is not', null)
        .execute();
      await db.schema.alterTable('processes').addColumn('due_at', 'text').execute();
    },
  },
  '006_customers': {
    // Customers and their cloud accounts (R66), managers' periods and invitations (R65), verification
    // codes kept hashed (R66), resellers' master distributors and sales-expansion tasks (R67).
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('customers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('partner_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('cloud_account_id', 'text')
        .addColumn('email', 'text')
        .addColumn('phone', 'text')
        .addColumn('phone_verified', 'integer', (c) => c.notNull())
        .addColumn('joined_via', 'text', (c) => c.notNull())
        .addColumn('creation_process_id', 'text')
        .addColumn('associated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('customers_partner_id').on('customers').column('partner_id').execute();
      await db.schema
        .createTable('customer_managers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('partner_id', 'text', (c) => c.notNull())
        .addColumn('manager_id', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('until', 'text')
        .addColumn('assigned_by', 'text', (c) => c.notNull())
        .addColumn('assigned_role', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('ended_by', 'text')
        .execute();
      await db.schema.createIndex('customer_managers_customer').on('customer_managers').columns(['customer_id', 'since']).execute();
      await db.schema.createIndex('customer_managers_manager').on('customer_managers').columns(['manager_id', 'until']).execute();
      await db.schema
        .createTable('manager_invitations')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('partner_id', 'text', (c) => c.notNull())
        .addColumn('manager_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_by', 'text')
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('verification_codes')
        .addColumn('process_id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('salt', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('issued_seq', 'integer', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('verified_at', 'text')
        .execute();
      await db.schema
        .createTable('distributor_relations')
        .addColumn('reseller_id', 'text', (c) => c.primaryKey())
        .addColumn('distributor_id', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('set_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sales_tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('partner_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text')
        .addColumn('handler_partner_id', 'text', (c) => c.notNull())
        .addColumn('strategy', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sales_tasks_partner').on('sales_tasks').column('partner_id').execute();
      await db.schema.createIndex('sales_tasks_handler').on('sales_tasks').column('handler_partner_id').execute();
      await db.schema
        .createTable('sales_task_records')
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('partner_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('from_status', 'text')
        .addColumn('to_status', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addPrimaryKeyConstraint('sales_task_records_pk', ['task_id', 'seq'])
        .execute();
    },
  },
  '004_process_customer': {
    // The customer a process is about (disassociation, partner payment), so a customer sees its own and a partner can filter by customer.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('processes').addColumn('customer_id', 'text').execute();
      await db.schema.createIndex('processes_customer_id').on('processes').columns(['customer_id', 'created_at']).execute();
    },
  },
  '007_kind_migrations': {
    // Migrations of open processes to another version of their kind, and what became of each process.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('kind_migrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('to_version', 'integer', (c) => c.notNull())
        .addColumn('mapping', 'text')
        .addColumn('process_ids', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('kind_migrations_created_at').on('kind_migrations').columns(['created_at', 'id']).execute();
      await db.schema
        .createTable('kind_migration_items')
        .addColumn('migration_id', 'text', (c) => c.notNull())
        .addColumn('process_id', 'text', (c) => c.notNull())
        .addColumn('from_version', 'integer')
        .addColumn('state', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('to_state', 'text')
        .addColumn('code', 'text')
        .addColumn('reason', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('kind_migration_items_pk', ['migration_id', 'process_id'])
        .execute();
      await db.schema.createIndex('kind_migration_items_outcome').on('kind_migration_items').columns(['migration_id', 'outcome', 'process_id']).execute();
      await db.schema.createIndex('processes_kind_open').on('processes').columns(['kind', 'done', 'kind_version', 'id']).execute();
    },
  },
  '008_outbox_dispatch': {
    // One dispatcher sends the whole outbox in batches (store/outbox.ts): a claim that expires, so a message
    // whose sender died is sent again with its same id (R74), attempts and backoff, the receiver's answer,
    // the order messages of one recipient keep, and `held` rows of steps not yet known committed.
    async up(db: Kysely<any>) {
      const text = (name: string) => db.schema.alterTable('outbox').addColumn(name, 'text').execute();
      await text('partner_id');
      await db.schema.alterTable('outbox').addColumn('order_key', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('outbox').addColumn('position', 'text', (c) => c.notNull().defaultTo('')).execute();
      await db.schema.alterTable('outbox').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      for (const name of ['next_attempt_at', 'claimed_until', 'claim_token', 'last_attempt_at', 'last_answer', 'failing_since', 'endpoint_id', 'delivery_id', 'sealed_body'])
        await text(name);
      await db
        .updateTable('outbox')
        .set({ order_key: sql<string>`channel || ':' || recipient`, position: sql<string>`created_at` })
        .execute();
      // Left claimed by a crash under the old at-most-once rule. A day old or more: not sent again now,
      // weeks later (an old "review needed" would only mislead); younger ones go out again, same Message-ID.
      const dayAgo = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
      await db
        .updateTable('outbox')
        .set({ status: 'given_up', last_answer: 'Left claimed by a crash before this release (at most once then); too old to send now.' })
        .where('status', '=', 'sending')
        .where('created_at', '<', dayAgo)
        .execute();
      await db.schema.createIndex('outbox_status_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('outbox_order').on('outbox').columns(['order_key', 'position']).execute();
      await db.schema.createIndex('outbox_endpoint').on('outbox').columns(['endpoint_id', 'created_at']).execute();
      await db.schema.createIndex('outbox_delivery_id').on('outbox').column('delivery_id').execute();
    },
  },
  '009_webhook_endpoints': {
    // Partners' webhook endpoints (Standard Webhooks), their deliveries being outbox rows of channel `webhook`.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('partner_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_until', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .addColumn('disabled_reason', 'text')
        .addColumn('failing_since', 'text')
        .addColumn('last_success_at', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_endpoints_partner').on('webhook_endpoints').columns(['partner_id', 'created_at']).execute();
    },
  },
  '010_held_steps': {
    // Steps recorded inside the Update that made them (a local activity), kept apart until the engine is known to have committed them.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('held_steps')
        .addColumn('process_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('update_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('held_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('held_steps_pk', ['process_id', 'seq'])
        .execute();
      await db.schema.createIndex('held_steps_held_at').on('held_steps').column('held_at').execute();
    },
  },
  '011_customers_per_partner': {
    // A customer id is the partner's own (its sales platform's account name): two partners may each have
    // a customer "zhao", so that no partner can take, or probe for, another's. Rebuilt with the partner in
    // the key, the same way on both dialects; every row is kept as it was.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('customers_by_partner')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('partner_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('cloud_account_id', 'text')
        .addColumn('email', 'text')
        .addColumn('phone', 'text')
        .addColumn('phone_verified', 'integer', (c) => c.notNull())
        .addColumn('joined_via', 'text', (c) => c.notNull())
        .addColumn('creation_process_id', 'text')
        .addColumn('associated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('customers_by_partner_pk', ['partner_id', 'id'])
        .execute();
      await db
        .insertInto('customers_by_partner')
        .columns(['id', 'partner_id', 'name', 'cloud_account_id', 'email', 'phone', 'phone_verified', 'joined_via', 'creation_process_id', 'associated_at'])
        .expression((eb) => eb.selectFrom('customers').select(['id', 'partner_id', 'name', 'cloud_account_id', 'email', 'phone', 'phone_verified', 'joined_via', 'creation_process_id', 'associated_at']))
        .execute();
      await db.schema.dropTable('customers').execute();
      await db.schema.alterTable('customers_by_partner').renameTo('customers').execute();
      await db.schema.createIndex('customers_id').on('customers').column('id').execute();
      await db.schema.createIndex('customer_managers_partner_customer').on('customer_managers').columns(['partner_id', 'customer_id']).execute();
    },
  },
  '012_repairs': {
    // Ops' repairs through the API (cancel, terminate, reset, release a review, resend a fact): who, why, when, and how it went.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('repairs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('process_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('repairs_process').on('repairs').columns(['process_id', 'requested_at']).execute();
      await db.schema.createIndex('repairs_requested_at').on('repairs').columns(['requested_at', 'id']).execute();
    },
  },
  '013_sms_quota': {
    // SMS verification codes counted per phone number and per partner, per day (GMT+08:00), reserved before a code is asked for.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sms_quota')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('used', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('sms_quota_pk', ['scope', 'day'])
        .execute();
    },
  },
  '014_staff_and_keys': {
    // Staff as an organisation (issue 17) and managed API keys (issue 16): who is a reviewer, who stands
    // in for whom while away, the reviewer a delegate decided for, and keys kept as digests with their audit.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('records').addColumn('on_behalf_of', 'text').execute();
      await db.schema
        .createTable('people')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('email', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('people_pk', ['id', 'role'])
        .execute();
      await db.schema
        .createTable('delegations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reviewer_id', 'text', (c) => c.notNull())
        .addColumn('delegate_id', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('cancelled_at', 'text')
        .addColumn('cancelled_by', 'text')
        .execute();
      await db.schema.createIndex('delegations_reviewer').on('delegations').columns(['reviewer_id', 'ends_at']).execute();
      await db.schema.createIndex('delegations_delegate').on('delegations').columns(['delegate_id', 'ends_at']).execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('identity_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('partner_id', 'text')
        .addColumn('customer_id', 'text')
        .addColumn('name', 'text')
        .addColumn('email', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_partner').on('api_keys').columns(['partner_id', 'created_at']).execute();
      await db.schema
        .createTable('key_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('identity_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('partner_id', 'text')
        .execute();
      await db.schema.createIndex('key_events_at').on('key_events').columns(['at', 'id']).execute();
      await db.schema.createIndex('key_events_partner').on('key_events').columns(['partner_id', 'at']).execute();
      // The review-time report reads reviewers' records by time.
      await db.schema.createIndex('records_role_at').on('records').columns(['role', 'at']).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
