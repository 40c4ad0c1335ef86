import type { Actor } from '../machines/types';
import type { Customer, ManagerPeriod, Store } from '../store/db';
import { seesAllPartners } from './auth';
import { HttpError } from './errors';

/**
 * Who sees a customer (R72, R65): staff all; its partner; the customer itself; a manager only a customer
 * it manages or managed, and then only its own periods. Anyone else is told there is no such customer.
 */
export async function visibleCustomer(store: Store, actor: Actor, customerId: string): Promise<{ customer: Customer; periods: ManagerPeriod[] }> {
  const customer = await store.customers.getCustomer(customerId);
  const notFound = new HttpError(404, 'not_found', `No customer "${customerId.slice(0, 100)}" is visible to you.`);
  if (!customer) throw notFound;
  const periods = await store.customers.managerPeriods({ customerId });
  if (seesAllPartners(actor)) return { customer, periods };
  if (actor.role === 'partner' && actor.partnerId === customer.partnerId) return { customer, periods };
  if (actor.role === 'customer' && actor.customerId === customer.id) return { customer, periods };
  if (actor.role === 'manager' && actor.partnerId === customer.partnerId) {
    const own = periods.filter((p) => p.managerId === actor.id);
    if (own.length) return { customer, periods: own };
  }
  throw notFound;
}

/** The customer's partner, acting on it; others are refused (404 when they may not even see it). */
export async function ownCustomer(store: Store, actor: Actor, customerId: string, what: string): Promise<Customer> {
  const { customer } = await visibleCustomer(store, actor, customerId);
  if (actor.role !== 'partner' || actor.partnerId !== customer.partnerId)
    throw new HttpError(403, 'role_not_allowed', `Only the customer's partner can ${what}; you act as ${actor.role}.`);
  return customer;
}
