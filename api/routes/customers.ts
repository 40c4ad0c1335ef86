import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { codeMatches } from '../../activities/verificationCode';
import type { ProcessClient } from '../../engineClient';
import { toBeijingTime } from '../../machines/time';
import type { Actor } from '../../machines/types';
import type { Customer, ManagerPeriod, Store } from '../../store/db';
import { seesAllPartners } from '../auth';
import type { ConsumptionSource } from '../consumption';
import { ownCustomer, visibleCustomer } from '../customerAccess';
import { HttpError } from '../errors';
import type { Identity } from '../keys';
import { consumptionQuerySchema, customerQuerySchema, managerRequestSchema, partnerFilterSchema, phoneVerificationSchema } from '../requests';
import { answers, consumptionSchema, customerListSchema, customerSchema, managerAssignmentSchema, type CustomerView } from '../schemas';

/** Customers (R65, R66): the list, one customer, its manager, its consumption, its phone verification. */

const maxAttempts = 5;
const params = z.object({ customerId: z.string().max(100) });
const local = (at: string | null) => at && toBeijingTime(at);

const periodView = (p: ManagerPeriod) => ({
  managerId: p.managerId,
  via: p.via,
  since: p.since,
  sinceLocal: toBeijingTime(p.since),
  until: p.until,
  untilLocal: local(p.until),
  assignedBy: p.assignedBy,
  assignedRole: p.assignedRole,
  ...(p.note ? { note: p.note } : {}),
  ...(p.endedBy ? { endedBy: p.endedBy } : {}),
});

export function customerView(customer: Customer, periods: ManagerPeriod[]): CustomerView {
  const current = periods.find((p) => p.until === null);
  return {
    ...customer,
    associatedAtLocal: toBeijingTime(customer.associatedAt),
    manager: current ? periodView(current) : null,
    managers: periods.map(periodView),
  };
}

/** The periods whose consumption this caller may read (R65): a manager its managed periods, a partner the association. */
function readablePeriods(actor: Actor, customer: Customer, periods: ManagerPeriod[]): Array<{ from: string; to: string | null }> {
  if (actor.role === 'manager') return periods.map((p) => ({ from: p.since, to: p.until }));
  if (actor.role === 'partner') return [{ from: customer.associatedAt, to: null }];
  return [{ from: '0000-01-01T00:00:00.000Z', to: null }];
}

export const customerRoutes =
  (deps: { store: Store; client: ProcessClient; keys: Map<string, Identity>; consumption: ConsumptionSource }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store, client, keys, consumption } = deps;

    app.get(
      '/customers',
      { schema: { querystring: partnerFilterSchema, response: answers({ 200: customerListSchema }), summary: "A partner's customers; a manager's managed customers (R65)" } },
      async (request) => {
        const { actor } = request;
        if (actor.role === 'partner') return { items: (await store.customers.listCustomers({ partnerId: actor.partnerId })).map((c) => customerView(c, [])) };
        if (actor.role === 'manager') {
          const periods = (await store.customers.managerPeriods({ managerId: actor.id })).filter((p) => p.until === null && p.partnerId === actor.partnerId);
          const customers = await store.customers.listCustomers({ partnerId: actor.partnerId, ids: periods.map((p) => p.customerId) });
          return { items: customers.map((c) => customerView(c, periods.filter((p) => p.customerId === c.id))) };
        }
        if (seesAllPartners(actor)) return { items: (await store.customers.listCustomers({ partnerId: request.query.partnerId })).map((c) => customerView(c, [])) };
        throw new HttpError(403, 'role_not_allowed', 'Listing customers is for partners, their customer managers and staff.');
      },
    );

    app.get('/customers/:customerId', { schema: { params, querystring: customerQuerySchema, response: answers({ 200: customerSchema }), summary: 'A customer, its cloud account and managers' } }, async (request) => {
      const { customer, periods } = await visibleCustomer(store, request.actor, request.params.customerId, request.query.partnerId);
      return customerView(customer, periods);
    });

    app.put(
      '/customers/:customerId/manager',
      {
        bodyLimit: 2048,
        schema: {
          params,
          body: managerRequestSchema,
          response: answers({ 200: managerAssignmentSchema }),
          summary: 'Assign the customer manager (R65); recorded with who assigned it and when',
        },
      },
      async (request) => {
        const { actor } = request;
        const customer = await ownCustomer(store, actor, request.params.customerId, 'assign its manager');
        const { managerId, note } = request.body;
        const isManager = [...keys.values()].some((k) => k.role === 'manager' && k.id === managerId && k.partnerId === customer.partnerId);
        if (!isManager)
          throw new HttpError(422, 'unknown_manager', `"${managerId.slice(0, 100)}" is not a customer manager of partner ${customer.partnerId}.`);
        const { changed } = await store.customers.assignManager({ customerId: customer.id, partnerId: customer.partnerId, managerId, via: 'assignment', at: new Date().toISOString(), by: actor, note });
        const { periods } = await visibleCustomer(store, actor, customer.id, customer.partnerId);
        return { changed, ...customerView(customer, periods) };
      },
    );

    app.get(
      '/customers/:customerId/consumption',
      {
        schema: {
          params,
          querystring: consumptionQuerySchema,
          response: answers({ 200: consumptionSchema }),
          summary: "A customer's consumption records; a manager sees only its managed periods (R65)",
        },
      },
      async (request) => {
        const { actor } = request;
        const { customer, periods } = await visibleCustomer(store, actor, request.params.customerId, request.query.partnerId);
        const now = new Date().toISOString();
        const from = request.query.from ? new Date(request.query.from).toISOString() : undefined;
        const to = request.query.to ? new Date(request.query.to).toISOString() : undefined;
        if (from && to && from > to) throw new HttpError(400, 'invalid_querystring', '"from" must not be after "to".');
        const readable = readablePeriods(actor, customer, periods);
        const inPeriod = (at: string) => readable.some((p) => at >= p.from && at < (p.to ?? now));
        const items = (await consumption.list(customer.id)).filter((item) => inPeriod(item.at) && (!from || item.at >= from) && (!to || item.at < to));
        const totals: Record<string, number> = {};
        for (const item of items) totals[item.currency] = Math.round(((totals[item.currency] ?? 0) + item.amount) * 100) / 100;
        return {
          customerId: customer.id,
          periods: readable.map((p) => ({ ...p, fromLocal: toBeijingTime(p.from), toLocal: local(p.to) })),
          items: items.map((item) => ({ at: item.at, atLocal: toBeijingTime(item.at), product: item.product, amount: item.amount, currency: item.currency })),
          totals,
        };
      },
    );

    app.post(
      '/customers/:customerId/phone-verification',
      {
        bodyLimit: 1024,
        schema: {
          params,
          body: phoneVerificationSchema,
          response: answers({ 200: customerSchema }),
          summary: 'Verify the SMS code sent when the customer was created (R66)',
        },
      },
      async (request) => {
        const { actor } = request;
        const { customer } = await visibleCustomer(store, actor, request.params.customerId);
        const mayVerify =
          (actor.role === 'partner' && actor.partnerId === customer.partnerId) || (actor.role === 'customer' && actor.customerId === customer.id && actor.partnerId === customer.partnerId);
        if (!mayVerify) throw new HttpError(403, 'role_not_allowed', 'Only the customer or its partner can enter its verification code.');
        const processId = customer.creationProcessId;
        const pending = processId ? await store.customers.getVerificationCode(processId) : null;
        if (!processId || !pending || pending.verified_at || customer.phoneVerified)
          throw new HttpError(409, 'no_code_pending', 'No verification code is waiting for this customer (none was sent, or the phone is verified already).');
        if (new Date().toISOString() >= pending.expires_at)
          throw new HttpError(409, 'code_expired', 'This verification code has expired; ask the partner to send a new one (RESEND_CODE).');
        // Every try is counted before the code is compared, outside the process (R73: the process does not change),
        // so that guessing is limited even when many guesses arrive at once.
        if (!(await store.customers.takeAttempt(processId, pending.issued_seq, maxAttempts)))
          throw new HttpError(409, 'too_many_attempts', `The code was entered ${maxAttempts} times; ask the partner to send a new one (RESEND_CODE).`);
        if (!(await codeMatches(request.body.code, pending)))
          throw new HttpError(409, 'code_wrong', `That is not the code sent to the phone; at most ${Math.max(0, maxAttempts - pending.attempts - 1)} attempts left.`);
        // Only the verdict reaches the process: the code stays out of its history.
        await client.act(processId, { action: { type: 'PHONE_VERIFIED', verifiedBy: actor.id }, actor: { id: 'phone-verification', role: 'system' }, idempotencyKey: `verify-${pending.issued_seq}` });
        await store.customers.markCodeVerified(processId, new Date().toISOString());
        await store.customers.markPhoneVerified(customer.partnerId, customer.id);
        const { customer: verified, periods } = await visibleCustomer(store, actor, customer.id, customer.partnerId);
        return customerView(verified, periods);
      },
    );
  };
