import { z } from 'zod';

/** Text a person reads, always in both languages of the partner center. */
export interface Labels {
  en: string;
  'zh-CN': string;
}

export const label = (en: string, zhCN: string): Labels => ({ en, 'zh-CN': zhCN });

export const roles = ['partner', 'customer', 'reviewer', 'manager', 'ops', 'system'] as const;
export type Role = (typeof roles)[number];

/** Who sent an event: stamped by the edge (never taken from a request body) and the driver. */
export interface Actor {
  id: string;
  role: Role;
  /** A partner's own people: the partner; a customer or a customer manager: the partner it is associated with. */
  partnerId?: string;
  /** A customer's people: the customer account they act for. */
  customerId?: string;
  /** The person's name and email as the keys file gives them, e.g. for "contact the pre-reviewer" (R41). */
  name?: string;
  email?: string;
  /** A delegate deciding for a reviewer who is away: that reviewer's id (R71 "by X on behalf of Y"; R72 holds for both). */
  onBehalfOf?: string;
}

/** Why an action was refused: an HTTP status, a stable code and a sentence. */
export interface Refusal {
  status: 403 | 404 | 409 | 412 | 422;
  code: string;
  reason: string;
}

/** Facts about a partner that other processes establish (R3, R10) and a process reads once at start. */
export interface PartnerFacts {
  realNameVerified: boolean;
  emailBound: boolean;
  businessCertified: boolean;
}

export const noFacts: PartnerFacts = { realNameVerified: false, emailBound: false, businessCertified: false };

/** A fact one process establishes and announces to the partner's other processes (R10). */
export type FactName = keyof PartnerFacts;

export const materialsSchema = z
  .array(z.strictObject({ name: z.string().trim().min(1).max(200), url: z.url().max(2000) }))
  .max(50);
export type Materials = z.infer<typeof materialsSchema>;

/** Who is told of a transition; the notifications activity resolves the actual addresses. */
export type Audience = 'partner' | 'reviewers' | 'ops' | 'customer';

/** How a customer is reached: the process keeps it from its start input (the product has no customer directory). */
export const customerContactSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  email: z.email().max(254).optional(),
  phone: z.string().regex(/^\+?[0-9][0-9 -]{5,19}$/, 'Invalid phone number').optional(),
});
export type CustomerContact = z.infer<typeof customerContactSchema>;

/** Topics a partner chooses channels for in its message settings (R6). */
export type PartnerTopic = 'actionNeeded' | 'reviewOutcome' | 'reminder';

/** Params of the `notify` action a machine asks for; the driver runs it as an activity. */
export interface NotifyParams {
  audience: Audience;
  /** Message topic, matched against the partner's message settings (R6); `escalation` goes to ops only. */
  topic: PartnerTopic | 'escalation';
  subject: Labels;
  body: Labels;
  /** A page of the product the message points to, as a path (e.g. an invoice list); the sender makes it absolute. */
  link?: string;
  /**
   * The partner's channels when a rule prescribes them whatever its message settings (R50: SMS and
   * email); otherwise the settings decide (R6).
   */
  channels?: Array<'email' | 'sms'>;
  /** For audience `customer`: where the customer is reached (email and SMS, where given). */
  to?: CustomerContact;
}

/** Params of the `announce` action: this process established a fact about its partner (R3 → R10, R5). */
export type Announcement =
  | { fact: FactName; value: boolean; /** With emailBound: the bound address, the partner's contact unless it has one. */ email?: string }
  | { fact: 'roleCertified'; role: string };
