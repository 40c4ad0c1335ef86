import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toBeijingTime } from '../../machines/time';
import { handleSalesTask, newSalesTaskStatus, salesStrategies, salesTaskStatuses, type SalesStrategy, type SalesTaskStatus } from '../../machines/salesTask';
import type { Actor } from '../../machines/types';
import type { SalesTask, SalesTaskRecord, Store } from '../../store/db';
import { seesAllPartners } from '../auth';
import { HttpError } from '../errors';
import { distributorRequestSchema, partnerFilterSchema, salesTaskRecordRequestSchema, salesTaskRequestSchema } from '../requests';
import { answers, distributorSchema, salesTaskListSchema, salesTaskSchema, type SalesTaskView } from '../schemas';

/**
 * Sales-expansion tasks (销售拓展任务, R67) and resellers' master distributors. A task about a reseller's
 * (云经销商 / 二级经销商) sub-customer is handled by its master distributor (总经销商 / 一级经销商); the
 * reseller may view it and its handling records (处理记录) but not act on it.
 */

const taskView = (task: SalesTask, records?: SalesTaskRecord[]): SalesTaskView => ({
  id: task.id,
  partnerId: task.partner_id,
  customerId: task.customer_id,
  handlerPartnerId: task.handler_partner_id,
  handledByDistributor: task.handler_partner_id !== task.partner_id,
  strategy: task.strategy,
  strategyLabel: salesStrategies[task.strategy as SalesStrategy],
  title: task.title,
  ...(task.description ? { description: task.description } : {}),
  status: task.status as SalesTaskStatus,
  statusLabel: salesTaskStatuses[task.status as SalesTaskStatus],
  createdAt: task.created_at,
  createdAtLocal: toBeijingTime(task.created_at),
  updatedAt: task.updated_at,
  updatedAtLocal: toBeijingTime(task.updated_at),
  ...(records
    ? {
        records: records.map((r) => ({
          seq: r.seq, at: r.at, atLocal: toBeijingTime(r.at), actor: r.actor_id, partnerId: r.partner_id, action: r.action, from: r.from_status as SalesTaskStatus | null, to: r.to_status as SalesTaskStatus,
          ...(r.note ? { note: r.note } : {}),
        })),
      }
    : {}),
});

export const salesTaskRoutes =
  (deps: { store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store } = deps;
    const notFound = (id: string) => new HttpError(404, 'not_found', `No sales-expansion task "${id.slice(0, 100)}" is visible to you.`);

    /** Who sees a task (R67, R72): staff; its partner (the reseller too); its handler; a manager of its customer now. */
    async function visibleTask(actor: Actor, id: string) {
      const task = await store.customers.getTask(id);
      if (!task) throw notFound(id);
      if (seesAllPartners(actor)) return task;
      if (actor.role === 'partner' && (actor.partnerId === task.partner_id || actor.partnerId === task.handler_partner_id)) return task;
      if (actor.role === 'manager' && task.customer_id) {
        const periods = await store.customers.managerPeriods({ customer: { partnerId: task.partner_id, id: task.customer_id } });
        if (periods.some((p) => p.managerId === actor.id && p.until === null && p.partnerId === actor.partnerId)) return task;
      }
      throw notFound(id);
    }

    app.put(
      '/partners/:id/distributor',
      {
        bodyLimit: 1024,
        schema: {
          params: z.object({ id: z.string().max(100) }),
          body: distributorRequestSchema,
          response: answers({ 200: distributorSchema }),
          summary: "Set a reseller's master distributor (R67); ops only",
        },
      },
      async (request) => {
        const { actor } = request;
        if (actor.role !== 'ops') throw new HttpError(403, 'role_not_allowed', `Distributor relations are set by ops; you act as ${actor.role}.`);
        const { id } = request.params;
        const { distributorId } = request.body;
        if (distributorId === id) throw new HttpError(422, 'invalid_body', 'A reseller cannot be its own master distributor.');
        // One level only: a master distributor is not itself a reseller under someone else, and a reseller has no resellers.
        if (await store.customers.getDistributor(distributorId))
          throw new HttpError(409, 'distributor_is_reseller', `${distributorId.slice(0, 100)} is itself a reseller; a master distributor must be a first-tier distributor.`);
        if (await store.customers.hasResellers(id))
          throw new HttpError(409, 'reseller_is_distributor', `${id.slice(0, 100)} is the master distributor of other resellers; it cannot be a reseller itself.`);
        const now = new Date().toISOString();
        await store.customers.setDistributor(id, distributorId, actor.id, now);
        return { resellerId: id, distributorId, since: now, sinceLocal: toBeijingTime(now) };
      },
    );

    app.post(
      '/sales-tasks',
      {
        bodyLimit: 8192,
        schema: {
          body: salesTaskRequestSchema,
          response: answers({ 201: salesTaskSchema }),
          summary: 'Create a sales-expansion task (R67); the vendor (system, ops) creates them',
        },
      },
      async (request, reply) => {
        const { actor } = request;
        if (actor.role !== 'system' && actor.role !== 'ops')
          throw new HttpError(403, 'role_not_allowed', `Sales-expansion tasks are created by the vendor (system or ops); you act as ${actor.role}.`);
        const { partnerId, customerId, strategy, title, description } = request.body;
        if (customerId) {
          const customer = await store.customers.getCustomer(partnerId, customerId);
          if (!customer)
            throw new HttpError(422, 'unknown_customer', `"${customerId.slice(0, 100)}" is not a customer of partner ${partnerId.slice(0, 100)}.`);
        }
        // A reseller's sub-customer is handled by its master distributor.
        const distributor = customerId ? await store.customers.getDistributor(partnerId) : null;
        const now = new Date().toISOString();
        const task: SalesTask = {
          id: randomUUID(), partner_id: partnerId, customer_id: customerId ?? null, handler_partner_id: distributor?.distributor_id ?? partnerId,
          strategy, title, description: description ?? null, status: newSalesTaskStatus, created_by: actor.id, created_at: now, updated_at: now,
        };
        await store.customers.createTask(task, { at: now, actor_id: actor.id, partner_id: null, action: 'create', from_status: null, to_status: newSalesTaskStatus, note: null });
        return reply.status(201).send(taskView(task, await store.customers.listTaskRecords(task.id)));
      },
    );

    app.get('/sales-tasks', { schema: { querystring: partnerFilterSchema, response: answers({ 200: salesTaskListSchema }), summary: 'Sales-expansion tasks within your scope (R67)' } }, async (request) => {
      const { actor } = request;
      if (actor.role === 'partner') return { items: (await store.customers.listTasks({ partnerId: actor.partnerId })).map((t) => taskView(t)) };
      if (actor.role === 'manager') {
        const periods = (await store.customers.managerPeriods({ managerId: actor.id })).filter((p) => p.until === null && p.partnerId === actor.partnerId);
        return { items: (await store.customers.listTasks({ customerIds: periods.map((p) => p.customerId) })).map((t) => taskView(t)) };
      }
      if (seesAllPartners(actor)) return { items: (await store.customers.listTasks({ partnerId: request.query.partnerId })).map((t) => taskView(t)) };
      throw new HttpError(403, 'role_not_allowed', 'Sales-expansion tasks are for partners, their managers and staff.');
    });

    app.get('/sales-tasks/:id', { schema: { params: z.object({ id: z.string().max(100) }), response: answers({ 200: salesTaskSchema }), summary: 'A task with its handling records (处理记录)' } }, async (request) => {
      const task = await visibleTask(request.actor, request.params.id);
      return taskView(task, await store.customers.listTaskRecords(task.id));
    });

    app.post(
      '/sales-tasks/:id/records',
      {
        bodyLimit: 4096,
        schema: {
          params: z.object({ id: z.string().max(100) }),
          body: salesTaskRecordRequestSchema,
          response: answers({ 200: salesTaskSchema }),
          summary: 'Handle a task: start, note, complete or close it; only its handler (R67)',
        },
      },
      async (request) => {
        const { actor } = request;
        const task = await visibleTask(actor, request.params.id);
        if (actor.role !== 'partner' || actor.partnerId !== task.handler_partner_id) {
          if (actor.role === 'partner' && actor.partnerId === task.partner_id)
            throw new HttpError(403, 'handled_by_distributor', `This task is about a sub-customer of yours; your master distributor ${task.handler_partner_id} handles it. You can view it and its records.`);
          throw new HttpError(403, 'role_not_allowed', `Only the task's handler, partner ${task.handler_partner_id}, can handle it.`);
        }
        const { action, note } = request.body;
        if (action === 'note' && !note) throw new HttpError(422, 'invalid_body', 'A note needs "note".');
        const from = task.status as SalesTaskStatus;
        const move = handleSalesTask(from, action);
        if (!move.ok) throw new HttpError(move.refusal.status, move.refusal.code, move.refusal.reason);
        const at = new Date().toISOString();
        const ok = await store.customers.recordTask(task.id, from, { at, actor_id: actor.id, partner_id: actor.partnerId ?? null, action, to_status: move.to, note: note ?? null });
        if (!ok) throw new HttpError(409, 'task_moved_on', 'The task changed meanwhile; reload it and try again.');
        return taskView((await store.customers.getTask(task.id))!, await store.customers.listTaskRecords(task.id));
      },
    );
  };
