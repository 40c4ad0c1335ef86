import type { Actor } from '../machines/types';
import type { Customer, ManagerPeriod, Store } from '../store/db';
import { seesAllPartners } from './auth';
import { HttpError } from './errors';

/**
 * Who sees a customer (R72, R65): staff all; its partner; the customer itself; a manager only a customer
 * it manages or managed, and then only its own periods. Anyone else is told there is no such customer.
 * A customer id is its partner's own (two partners may each have a "zhao"), so a caller with a partner
 * looks only among that partner's customers: nobody learns whether another partner has one of that id.
 * Staff name the partner when the id alone is ambiguous.
 */
export async function visibleCustomer(
  store: Store,
  actor: Actor,
  customerId: string,
  partnerId?: string,
): Promise<{ customer: Customer; periods: ManagerPeriod[] }> {
  const notFound = new HttpError(404, 'not_found', `No customer "${customerId.slice(0, 100)}" is visible to you.`);
  const customer = await findCustomer(store, actor, customerId, partnerId);
  if (!customer) throw notFound;
  const periods = await store.customers.managerPeriods({ customer: { partnerId: customer.partnerId, id: customer.id } });
  if (seesAllPartners(actor)) return { customer, periods };
  if (actor.role === 'partner' && actor.partnerId === customer.partnerId) return { customer, periods };
  if (actor.role === 'customer' && actor.customerId === customer.id && actor.partnerId === customer.partnerId) return { customer, periods };
  if (actor.role === 'manager' && actor.partnerId === customer.partnerId) {
    const own = periods.filter((p) => p.managerId === actor.id);
    if (own.length) return { customer, periods: own };
  }
  throw notFound;
}

async function findCustomer(store: Store, actor: Actor, customerId: string, partnerId?: string): Promise<Customer | null> {
  if (!seesAllPartners(actor)) return actor.partnerId ? store.customers.getCustomer(actor.partnerId, customerId) : null;
  if (partnerId) return store.customers.getCustomer(partnerId, customerId);
  const found = await store.customers.findCustomers(customerId);
  if (found.length > 1)
    throw new HttpError(409, 'ambiguous_customer', `Partners ${found.map((c) => c.partnerId).join(', ')} each have a customer "${customerId.slice(0, 100)}"; name one with ?partnerId=.`);
  return found[0] ?? null;
}

/** The customer's partner, acting on it; others are refused (404 when they may not even see it). */
export async function ownCustomer(store: Store, actor: Actor, customerId: string, what: string): Promise<Customer> {
  const { customer } = await visibleCustomer(store, actor, customerId);
  if (actor.role !== 'partner' || actor.partnerId !== customer.partnerId)
    throw new HttpError(403, 'role_not_allowed', `Only the customer's partner can ${what}; you act as ${actor.role}.`);
  return customer;
}
