import { assign, setup } from 'xstate';
import { z } from 'zod';
import { customerWithoutPartner, tellCustomer, tellPartner } from './customers';
import type { EventsOf, ProcessKind, StartInput } from './kind';
import { approve, comment, notify, reject, reviewSetup, underReview, withdraw, type Reviewing } from './review';
import { customerContactSchema, label, materialsSchema, type CustomerContact, type Labels, type Materials } from './types';

/**
 * Customer disassociation (解除关联, R40–R43). A customer asks to end its association and the partner
 * agrees (同意) or rejects (驳回); a partner ending the association with a resale sub-customer (代售子客户)
 * goes through the vendor's pre-review (预评审), whose failure shows the reasons and the pre-reviewer's
 * name and email, after which the partner may apply again. Ending records what follows for refunds and
 * vouchers (R43).
 */

/** Association types (关联类型); the source names resale (代售), the other two are the partner center's usual ones. */
export const associationTypes = {
  referral: label('Referral', '推荐'),
  'advance-payment': label('Advance payment', '垫付'),
  resale: label('Resale', '代售'),
} as const;
type AssociationType = keyof typeof associationTypes;

const input = z.strictObject({
  associationType: z.enum(Object.keys(associationTypes) as [AssociationType, ...AssociationType[]]),
  /** The customer account; a customer's own key names it, a partner must. */
  customerId: z.string().trim().min(1).max(100).optional(),
  reason: z.string().trim().min(1).max(2000).optional(),
  /** Since when the customer was associated: the start of the period R43's refunds belong to. */
  associatedSince: z.iso.datetime({ offset: true }).optional(),
  /** How the customer is told of the outcome. */
  customer: customerContactSchema.optional(),
});
type Input = z.infer<typeof input>;

const events = {
  AGREE: { schema: z.strictObject({ comment: comment.optional() }), roles: ['partner'], label: label('Agree to disassociate', '同意') },
  DECLINE: { schema: z.strictObject({ comment }), roles: ['partner'], label: label('Reject the disassociation', '驳回') },
  CANCEL_REQUEST: { schema: z.strictObject({}), roles: ['customer'], label: label('Cancel the request', '撤销申请') },
  APPROVE: { ...approve, label: label('Pass the pre-review', '预评审通过') },
  REJECT: { ...reject, label: label('Fail the pre-review', '预评审不通过') },
  APPLY: {
    schema: z.strictObject({ note: comment.optional(), materials: materialsSchema.optional() }),
    roles: ['partner'],
    label: label('Apply for disassociation again', '再次申请解除关联'),
  },
  WITHDRAW: withdraw,
} as const;

/** One pre-review of a partner's application (R41): when it fails, the reasons and whom to contact. */
interface PreReview {
  attempt: number;
  submittedAt: string;
  note?: string;
  materials: Materials;
  result?: 'passed' | 'failed';
  /** 不通过原因 */
  reasons?: string;
  /** 联系预审人: the pre-reviewer's name and email. */
  preReviewer?: { id: string; name: string; email: string | null };
  decidedAt?: string;
}

/** What follows from the end of an association (R43), kept with the outcome. */
export interface Consequences {
  effectiveAt: string;
  associationPeriod: { from: string | null; to: string };
  refunds: { destination: 'partner-account'; partnerId: string; appliesTo: Labels; settlement: Labels };
  paidByPartnerNotConsumed: { settlement: Labels };
  vouchers: { vendorIssued: 'remain-usable'; note: Labels };
}

interface Context extends Reviewing {
  processId: string;
  partnerId: string;
  customerId: string;
  initiatedBy: 'customer' | 'partner';
  associationType: AssociationType;
  associationTypeLabel: Labels;
  reason?: string;
  associatedSince?: string;
  customer?: CustomerContact;
  preReviews: PreReview[];
  partnerDecision?: { decision: 'agreed' | 'rejected'; comment?: string; by: string; at: string };
  consequences?: Consequences;
}

type Event = EventsOf<typeof events>;

const consequencesOf = (context: Context, at: string): Consequences => ({
  effectiveAt: at,
  associationPeriod: { from: context.associatedSince ?? null, to: at },
  refunds: {
    destination: 'partner-account',
    partnerId: context.partnerId,
    appliesTo: label(
      'Unsubscribing or downgrading, after the disassociation, resources consumed during the association',
      '关联关系解除后，对关联期间消费的云服务资源进行退订或降配',
    ),
    settlement: label(
      "Refunds go to the partner's account of the association period; the customer settles with the partner",
      '产生的退款金额将退还至关联期间的伙伴账户，客户需自行与伙伴协商处理',
    ),
  },
  paidByPartnerNotConsumed: {
    settlement: label(
      'What the solution provider paid but was not consumed is settled between the customer and the solution provider',
      '解决方案提供商支付但未实际消费的部分，需要客户自行与解决方案提供商协商处理',
    ),
  },
  vouchers: { vendorIssued: 'remain-usable', note: label('Vouchers issued by the cloud vendor remain usable', '由云厂商发放的代金券仍然可以继续使用') },
});

const subjectOf = (context: Context) =>
  label(`disassociation of customer ${context.customerId} (${context.associationTypeLabel.en})`, `客户${context.customerId}解除关联（${context.associationTypeLabel['zh-CN']}）`);

const endedMessage = (context: Context): [Labels, Labels] => {
  const c = context.consequences!;
  return [
    label(`Disassociated: customer ${context.customerId}`, `已解除关联：客户${context.customerId}`),
    label(
      `The association between partner ${context.partnerId} and customer ${context.customerId} has ended. ${c.refunds.appliesTo.en}: ${c.refunds.settlement.en}. ${c.paidByPartnerNotConsumed.settlement.en}. ${c.vouchers.note.en}.`,
      `伙伴${context.partnerId}与客户${context.customerId}的关联关系已解除。${c.refunds.appliesTo['zh-CN']}，${c.refunds.settlement['zh-CN']}。${c.paidByPartnerNotConsumed.settlement['zh-CN']}。${c.vouchers.note['zh-CN']}。`,
    ),
  ];
};

const lastPreReview = (context: Context) => context.preReviews[context.preReviews.length - 1];

type Args = { context: Context; event: { type: string; comment?: string } };

/** Who is told what, at each turn. */
const messages = {
  partnerAsked: ({ context }: Args) =>
    tellPartner(
      'actionNeeded',
      label(`Customer ${context.customerId} asks to disassociate`, `客户${context.customerId}申请解除关联`),
      label(
        `Customer ${context.customerId} (${context.associationTypeLabel.en}) asks to end its association with you${context.reason ? `: ${context.reason}` : ''}. Agree or reject it in the partner center.`,
        `客户${context.customerId}（${context.associationTypeLabel['zh-CN']}）申请解除与您的关联关系${context.reason ? `：${context.reason}` : ''}。请在伙伴中心同意或驳回。`,
      ),
    ),
  customerEnded: ({ context }: Args) => tellCustomer(context.customer, 'reviewOutcome', ...endedMessage(context)),
  partnerEnded: ({ context }: Args) => tellPartner('reviewOutcome', ...endedMessage(context)),
  customerDeclined: ({ context, event }: Args) =>
    tellCustomer(
      context.customer,
      'reviewOutcome',
      label('Your disassociation request was rejected', '您的解除关联申请已被驳回'),
      label(`Partner ${context.partnerId} rejected your request: ${event.comment}`, `伙伴${context.partnerId}驳回了您的申请：${event.comment}`),
    ),
  /** R41: the reasons, and the pre-reviewer's name and email to contact. */
  preReviewFailed: ({ context }: Args) => {
    const { reasons, preReviewer } = lastPreReview(context);
    const contact = `${preReviewer!.name}${preReviewer!.email ? ` <${preReviewer!.email}>` : ''}`;
    return tellPartner(
      'reviewOutcome',
      label(`Pre-review not passed: ${subjectOf(context).en}`, `预评审不通过：${subjectOf(context)['zh-CN']}`),
      label(`Reasons: ${reasons}. Pre-reviewer: ${contact}. Deal with the reasons, then apply again.`, `不通过原因：${reasons}。预审人：${contact}。请根据提示处理后再申请解除关联。`),
    );
  },
};

const review = reviewSetup<Context, Event>();

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<Input> },
  guards: { startedByCustomer: ({ context }) => context.initiatedBy === 'customer' },
  actions: {
    ...review.actions,
    settleConsequences: assign({ consequences: ({ context, event }) => consequencesOf(context, event.at) }),
    rememberPartnerDecision: assign({
      partnerDecision: ({ event }) =>
        event.type === 'AGREE' || event.type === 'DECLINE'
          ? { decision: event.type === 'AGREE' ? ('agreed' as const) : ('rejected' as const), comment: event.comment, by: event.actor.id, at: event.at }
          : undefined,
    }),
    rememberPreReviewDecision: assign({
      preReviews: ({ context, event }) =>
        event.type === 'APPROVE' || event.type === 'REJECT'
          ? [
              ...context.preReviews.slice(0, -1),
              {
                ...lastPreReview(context),
                result: event.type === 'APPROVE' ? ('passed' as const) : ('failed' as const),
                ...(event.type === 'REJECT' ? { reasons: event.comment } : {}),
                preReviewer: { id: event.actor.id, name: event.actor.name ?? event.actor.id, email: event.actor.email ?? null },
                decidedAt: event.at,
              },
            ]
          : context.preReviews,
    }),
    rememberApplication: assign({
      preReviews: ({ context, event }) =>
        event.type === 'APPLY'
          ? [...context.preReviews, { attempt: context.preReviews.length + 1, submittedAt: event.at, note: event.note, materials: event.materials ?? [] }]
          : context.preReviews,
    }),
  },
  delays: review.delays,
}).createMachine({
  id: 'disassociation',
  context: ({ input }) => {
    const byCustomer = input.startedBy.role === 'customer';
    return {
      processId: input.processId,
      partnerId: input.partnerId,
      customerId: (byCustomer ? input.startedBy.customerId : input.input.customerId) ?? '',
      initiatedBy: byCustomer ? 'customer' : 'partner',
      associationType: input.input.associationType,
      associationTypeLabel: associationTypes[input.input.associationType],
      reason: input.input.reason,
      associatedSince: input.input.associatedSince,
      customer: input.input.customer,
      settings: input.settings,
      // A partner's start is its first application: the pre-review is pending from the start (R41).
      reviews: {},
      preReviews: byCustomer ? [] : [{ attempt: 1, submittedAt: input.at, note: input.input.reason, materials: [] }],
    };
  },
  initial: 'starting',
  states: {
    starting: {
      meta: { label: label('Starting', '启动中') },
      always: [{ guard: 'startedByCustomer', target: 'awaitingPartner' }, { target: 'preReview' }],
    },
    awaitingPartner: {
      meta: { label: label('Customer asked to disassociate: waiting for the partner', '客户申请解除关联，待伙伴处理') },
      tags: ['waitsFor:partner'],
      entry: notify(messages.partnerAsked),
      on: {
        AGREE: { target: 'disassociated', actions: ['rememberPartnerDecision', 'settleConsequences', notify(messages.customerEnded), notify(messages.partnerEnded)] },
        DECLINE: { target: 'rejected', actions: ['rememberPartnerDecision', notify(messages.customerDeclined)] },
        CANCEL_REQUEST: 'withdrawn',
      },
    },
    preReview: underReview({
      label: label('Disassociation under pre-review', '解除关联预评审中'),
      what: subjectOf,
      on: {
        APPROVE: { target: 'disassociated', actions: ['rememberPreReviewDecision', 'settleConsequences', notify(messages.partnerEnded), notify(messages.customerEnded)] },
        REJECT: { target: 'preReviewFailed', actions: ['rememberPreReviewDecision', notify(messages.preReviewFailed)] },
        WITHDRAW: 'withdrawn',
      },
    }),
    preReviewFailed: {
      meta: { label: label('Pre-review not passed: deal with the reasons and apply again', '预评审不通过，处理后可再申请解除关联') },
      tags: ['waitsFor:partner'],
      on: {
        APPLY: { target: 'preReview', actions: 'rememberApplication' },
        WITHDRAW: 'withdrawn',
      },
    },
    disassociated: { type: 'final', meta: { label: label('Disassociated', '已解除关联') } },
    rejected: { type: 'final', meta: { label: label('Rejected by the partner', '伙伴已驳回') } },
    withdrawn: { type: 'final', meta: { label: label('Withdrawn', '已撤回') } },
  },
});

export const disassociation: ProcessKind = {
  name: 'disassociation',
  version: 1,
  title: label('Customer disassociation', '解除关联'),
  machine,
  input,
  startRoles: ['customer', 'partner'],
  oncePerPartner: false,
  events,
  preconditions: {},
  startRefusal: (start: Input, actor) => {
    const noPartner = customerWithoutPartner(actor);
    if (noPartner) return noPartner;
    if (actor.role === 'customer' && start.customerId !== undefined && start.customerId !== actor.customerId)
      return { status: 403, code: 'not_your_customer', reason: 'A customer can ask to disassociate only its own account; leave "customerId" out.' };
    if (actor.role === 'partner' && start.customerId === undefined)
      return { status: 422, code: 'customer_required', reason: 'Name the customer to disassociate: "customerId" in the input.' };
    if (actor.role === 'partner' && start.associationType !== 'resale')
      return {
        status: 409,
        code: 'resale_only',
        reason: `A partner applies to disassociate only a resale sub-customer (代售子客户), through pre-review; a customer of association type "${start.associationType}" asks for it itself.`,
      };
    return undefined;
  },
};
