import { assign, setup } from 'xstate';
import { z } from 'zod';
import { customerWithoutPartner, tellCustomer, tellPartner } from './customers';
import type { EventsOf, ProcessKind, StartInput } from './kind';
import { comment, effects, notify } from './review';
import { beijingClock } from './time';
import { customerContactSchema, label, type CustomerContact, type Labels } from './types';

/**
 * Partner payment of a customer's order (伙伴支付, R50–R52). The customer chooses "partner payment" and
 * "ask them to pay" (请他付款): that starts this process, and the partner is told by SMS and email
 * whatever its message settings. Not for stored-value cards (储值卡). Once a VAT invoice (增值税发票) is
 * issued for the paid order, it can no longer be unsubscribed (退订). While the partner leaves it unpaid
 * the customer may pay another way, and is told so after the configured time.
 */

const orderTypes = {
  'cloud-service': label('Cloud service', '云服务'),
  'stored-value-card': label('Stored-value card', '储值卡'),
} as const;
type OrderType = keyof typeof orderTypes;

const input = z.strictObject({
  orderId: z.string().trim().min(1).max(64),
  product: z.string().trim().min(1).max(200),
  orderType: z.enum(Object.keys(orderTypes) as [OrderType, ...OrderType[]]).default('cloud-service'),
  /** A decimal string, so money is never a float: "1280.00". */
  amount: z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'An amount like "1280.00"'),
  currency: z.literal('CNY').default('CNY'),
  /** How the customer is told of the partner's answer and of the reminder (R52). */
  customer: customerContactSchema.optional(),
});
type Input = z.infer<typeof input>;

const events = {
  PAY: { schema: z.strictObject({ comment: comment.optional() }), roles: ['partner'], label: label('Pay the order', '支付订单') },
  DECLINE: { schema: z.strictObject({ comment: comment.optional() }), roles: ['partner'], label: label('Decline to pay', '拒绝支付') },
  PAY_OTHER_WAY: {
    schema: z.strictObject({ method: z.enum(['online', 'balance', 'bank-transfer']).optional() }),
    roles: ['customer'],
    label: label('Pay another way', '选择其他支付方式'),
  },
  VAT_INVOICE_ISSUED: {
    schema: z.strictObject({ invoiceNumber: z.string().trim().min(1).max(64) }),
    roles: ['system', 'ops'],
    label: label('VAT invoice issued', '已开具增值税发票'),
  },
  UNSUBSCRIBE: { schema: z.strictObject({ comment: comment.optional() }), roles: ['customer'], label: label('Unsubscribe', '退订') },
  CLOSE: { schema: z.strictObject({ comment: comment.optional() }), roles: ['system', 'ops'], label: label('Close the order', '订单完结') },
} as const;

interface Context {
  processId: string;
  partnerId: string;
  customerId: string;
  settings: StartInput['settings'];
  order: { orderId: string; product: string; orderType: OrderType; amount: string; currency: 'CNY' };
  customer?: CustomerContact;
  requestedAt: string;
  partnerAnswer?: { answer: 'paid' | 'declined'; comment?: string; by: string; at: string };
  paidOtherWay?: { method?: string; at: string };
  vatInvoice?: { invoiceNumber: string; issuedAt: string };
  unsubscribed?: { at: string; refund: { destination: 'partner-account'; partnerId: string; amount: string; currency: 'CNY' } };
}

type Event = EventsOf<typeof events>;

const orderOf = (c: Context) => label(`order ${c.order.orderId} (${c.order.product}, CNY ${c.order.amount})`, `订单${c.order.orderId}（${c.order.product}，${c.order.amount}元）`);

const preconditions = {
  mayUnsubscribe: ({ context }: { context: Context }) =>
    context.vatInvoice
      ? {
          code: 'vat_invoice_issued',
          reason: `Order ${context.order.orderId} can no longer be unsubscribed: a VAT invoice (增值税发票, no. ${context.vatInvoice.invoiceNumber}) was issued for it at ${beijingClock(context.vatInvoice.issuedAt)}.`,
        }
      : undefined,
};

const tellCustomerUnpaid = (context: Context, why: Labels): ReturnType<typeof tellCustomer> =>
  tellCustomer(
    context.customer,
    'reminder',
    label(`Your partner has not paid ${orderOf(context).en}`, `伙伴未支付${orderOf(context)['zh-CN']}`),
    label(`${why.en} You can pay the order another way.`, `${why['zh-CN']}您可以选择其他支付方式支付该订单。`),
  );

type Args = { context: Context; event: Event };

/** What the partner and the customer are told, by the step that tells them. */
const messages = {
  /** R50: by SMS and email, whatever the partner's message settings. */
  partnerAsked: ({ context }: Args) =>
    tellPartner(
      'actionNeeded',
      label(`Customer ${context.customerId} asks you to pay ${orderOf(context).en}`, `客户${context.customerId}请您支付${orderOf(context)['zh-CN']}`),
      label(
        `Customer ${context.customerId} chose partner payment for ${orderOf(context).en}. Please pay it in the partner center.`,
        `客户${context.customerId}为${orderOf(context)['zh-CN']}选择了伙伴支付，请在伙伴中心完成支付。`,
      ),
      ['email', 'sms'],
    ),
  /** The partner left it unpaid for the configured time: the customer may pay another way (R52). */
  customerNotPaidYet: ({ context }: Args) => tellCustomerUnpaid(context, label('Your partner has not paid it yet.', '伙伴尚未支付。')),
  /** The partner says it will not pay: the customer is told it may pay another way (R52). */
  customerDeclined: ({ context, event }: Args) => {
    const why = event.type === 'DECLINE' && event.comment ? event.comment : undefined;
    return tellCustomerUnpaid(context, label(`Your partner declined to pay${why ? `: ${why}` : ''}.`, `伙伴拒绝支付${why ? `：${why}` : ''}。`));
  },
  customerPaid: ({ context }: Args) =>
    tellCustomer(
      context.customer,
      'reviewOutcome',
      label(`Your partner paid ${orderOf(context).en}`, `伙伴已支付${orderOf(context)['zh-CN']}`),
      label(`Partner ${context.partnerId} paid ${orderOf(context).en}.`, `伙伴${context.partnerId}已支付${orderOf(context)['zh-CN']}。`),
    ),
  partnerUnsubscribed: ({ context }: Args) =>
    tellPartner(
      'reviewOutcome',
      label(`Unsubscribed: ${orderOf(context).en}`, `已退订：${orderOf(context)['zh-CN']}`),
      label(
        `Customer ${context.customerId} unsubscribed ${orderOf(context).en}; the refund goes to your partner account.`,
        `客户${context.customerId}退订了${orderOf(context)['zh-CN']}，退款将退还至您的伙伴账户。`,
      ),
    ),
  partnerNotNeeded: ({ context }: Args) =>
    tellPartner(
      'reviewOutcome',
      label(`No longer needed: paying ${orderOf(context).en}`, `无需支付：${orderOf(context)['zh-CN']}`),
      label(`Customer ${context.customerId} pays ${orderOf(context).en} another way.`, `客户${context.customerId}已选择其他支付方式支付${orderOf(context)['zh-CN']}。`),
    ),
};

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<Input> },
  guards: { mayUnsubscribe: ({ context }) => !preconditions.mayUnsubscribe({ context }) },
  actions: {
    ...effects,
    rememberPaid: assign({
      partnerAnswer: ({ event }) => ({ answer: 'paid' as const, comment: 'comment' in event ? event.comment : undefined, by: event.actor.id, at: event.at }),
    }),
    rememberDeclined: assign({
      partnerAnswer: ({ event }) => ({ answer: 'declined' as const, comment: 'comment' in event ? event.comment : undefined, by: event.actor.id, at: event.at }),
    }),
    rememberOtherWay: assign({ paidOtherWay: ({ event }) => ({ method: event.type === 'PAY_OTHER_WAY' ? event.method : undefined, at: event.at }) }),
    rememberInvoice: assign({ vatInvoice: ({ event }) => (event.type === 'VAT_INVOICE_ISSUED' ? { invoiceNumber: event.invoiceNumber, issuedAt: event.at } : undefined) }),
    // The partner paid, so the refund of an unsubscribed order goes back to the partner's account.
    rememberUnsubscribed: assign({
      unsubscribed: ({ context, event }) => ({
        at: event.at,
        refund: { destination: 'partner-account' as const, partnerId: context.partnerId, amount: context.order.amount, currency: context.order.currency },
      }),
    }),
  },
  delays: { paymentReminder: ({ context }) => context.settings.payment.reminderMs },
}).createMachine({
  id: 'partner-payment',
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    customerId: input.startedBy.customerId ?? '',
    settings: input.settings,
    order: {
      orderId: input.input.orderId,
      product: input.input.product,
      orderType: input.input.orderType,
      amount: input.input.amount,
      currency: input.input.currency,
    },
    customer: input.input.customer,
    requestedAt: input.at,
  }),
  initial: 'awaitingPartner',
  states: {
    awaitingPartner: {
      meta: { label: label('Waiting for the partner to pay', '待伙伴支付') },
      tags: ['waitsFor:partner'],
      entry: notify(messages.partnerAsked),
      after: { paymentReminder: { target: 'unpaid', actions: notify(messages.customerNotPaidYet) } },
      on: {
        PAY: { target: 'paid', actions: 'rememberPaid' },
        DECLINE: { target: 'unpaid', actions: ['rememberDeclined', notify(messages.customerDeclined)] },
        PAY_OTHER_WAY: 'paidOtherWay',
      },
    },
    unpaid: {
      meta: { label: label('Not paid by the partner: the customer may pay another way', '伙伴未支付，可选择其他支付方式') },
      tags: ['waitsFor:customer'],
      on: {
        // The partner may still pay until the customer has paid another way.
        PAY: { target: 'paid', actions: 'rememberPaid' },
        DECLINE: { actions: ['rememberDeclined', notify(messages.customerDeclined)] },
        PAY_OTHER_WAY: 'paidOtherWay',
      },
    },
    paid: {
      initial: 'notInvoiced',
      entry: notify(messages.customerPaid),
      on: {
        UNSUBSCRIBE: {
          guard: 'mayUnsubscribe',
          target: 'unsubscribed',
          actions: ['rememberUnsubscribed', notify(messages.partnerUnsubscribed)],
        },
        CLOSE: 'closed',
      },
      states: {
        notInvoiced: {
          meta: { label: label('Paid by the partner', '伙伴已支付') },
          on: { VAT_INVOICE_ISSUED: { target: 'invoiced', actions: 'rememberInvoice' } },
        },
        invoiced: { meta: { label: label('Paid by the partner; VAT invoice issued', '伙伴已支付，已开具增值税发票') } },
      },
    },
    paidOtherWay: {
      type: 'final',
      meta: { label: label('The customer chose another way to pay', '客户已选择其他支付方式') },
      entry: ['rememberOtherWay', notify(messages.partnerNotNeeded)],
    },
    unsubscribed: { type: 'final', meta: { label: label('Unsubscribed; refunded to the partner account', '已退订，退款至伙伴账户') } },
    closed: { type: 'final', meta: { label: label('Order closed', '订单已完结') } },
  },
});

export const partnerPayment: ProcessKind = {
  name: 'partner-payment',
  version: 1,
  title: label('Partner payment', '伙伴支付'),
  machine,
  input,
  startRoles: ['customer'],
  oncePerPartner: false,
  events,
  preconditions,
  startRefusal: (start: Input, actor) =>
    customerWithoutPartner(actor) ??
    (start.orderType === 'stored-value-card'
      ? {
          status: 409,
          code: 'stored_value_card',
          reason: 'Partner payment cannot be requested for a stored-value card (储值卡); pay for it another way.',
        }
      : undefined),
};
