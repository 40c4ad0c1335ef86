import type { Actor, CustomerContact, Labels, NotifyParams, Refusal } from './types';

/** Pieces the processes about a partner's customer share (disassociation, partner payment). */

/** A message to the customer, on the contact its process keeps (email and SMS where given). */
export const tellCustomer = (to: CustomerContact | undefined, topic: NotifyParams['topic'], subject: Labels, body: Labels): NotifyParams => ({
  audience: 'customer',
  topic,
  subject,
  body,
  to: to ?? {},
});

/** A message to the partner: its message settings choose the channels (R6) unless a rule prescribes them (R50). */
export const tellPartner = (topic: NotifyParams['topic'], subject: Labels, body: Labels, channels?: NotifyParams['channels']): NotifyParams => ({
  audience: 'partner',
  topic,
  subject,
  body,
  ...(channels ? { channels } : {}),
});

/** A customer's key must name the partner it is associated with; the processes about it belong to that partner. */
export const customerWithoutPartner = (actor: Actor): Refusal | undefined =>
  actor.role === 'customer' && !actor.partnerId
    ? { status: 409, code: 'no_partner', reason: 'Your customer account is not associated with a partner, so there is no partner to ask.' }
    : undefined;
