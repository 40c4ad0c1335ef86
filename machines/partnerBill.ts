import { assign, setup } from 'xstate';
import { z } from 'zod';
import { guardsFrom, type EventsOf, type ProcessKind, type StartInput } from './kind';
import { formatCny, withdrawable, type Withdrawable } from './money';
import { comment, notify, reviewSetup, underReview, type Reviewing } from './review';
import { beijingClock } from './time';
import { label, type Labels, type NotifyParams } from './types';

/**
 * The monthly partner bill (伙伴账单, R60–R62). The billing run generates it from the billing source and
 * starts this process with the figures; the partner confirms it or disputes it (a reviewer answers),
 * then, when the month earned incentives, applies for their payout (激励申付): the invoice-notification
 * email asks for an invoice issued offline, and the invoice list (开票清单) can be viewed and printed.
 */

const cents = z.number().int().nonnegative().max(1e13);
const instant = z.iso.datetime();

/** The bill as generated: the start input, computed by the billing run's activity from the billing source. */
const input = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month YYYY-MM'),
  from: instant,
  to: instant,
  dataCutoff: instant,
  dueBy: instant,
  generatedAt: instant,
  currency: z.literal('CNY'),
  usage: z.strictObject({
    totalCents: cents,
    lineCount: z.number().int().nonnegative(),
    recordedAfterCutoff: z.number().int().nonnegative(),
    byService: z.array(z.strictObject({ service: z.string().min(1).max(100), amountCents: cents })).max(500),
  }),
  balances: z.strictObject({ cashCents: cents, owedInvoicesCents: cents, unpostedCents: cents }),
  subUsers: z.array(z.strictObject({ customerId: z.string().min(1).max(100), arrearsCents: cents })).max(10_000),
  incentives: z.array(z.strictObject({ item: z.string().min(1).max(200), amountCents: cents })).max(500),
  invoiceTo: z.strictObject({
    name: z.string().min(1).max(200),
    taxId: z.string().min(1).max(50),
    address: z.string().max(300).optional(),
    bank: z.string().max(300).optional(),
    invoiceType: z.strictObject({ en: z.string().min(1).max(100), 'zh-CN': z.string().min(1).max(100) }),
  }),
});

export type BillFigures = z.infer<typeof input>;

const events = {
  CONFIRM: { schema: z.strictObject({}), roles: ['partner'], label: label('Confirm the bill', '确认账单') },
  DISPUTE: { schema: z.strictObject({ comment }), roles: ['partner'], label: label('Dispute the bill', '对账单提出异议') },
  ANSWER_DISPUTE: {
    schema: z.strictObject({ comment }),
    roles: ['reviewer'],
    label: label('Answer the dispute', '答复账单异议'),
    decision: true,
  },
  APPLY_INCENTIVE_PAYOUT: { schema: z.strictObject({}), roles: ['partner'], label: label('Apply for incentive payout', '激励申付') },
  WITHDRAW: { schema: z.strictObject({}), roles: ['partner'], label: label('Withdraw the incentive application', '撤回激励申付') },
  RECEIVE_INVOICE: {
    schema: z.strictObject({ invoiceNumber: z.string().trim().min(1).max(64), comment: comment.optional() }),
    roles: ['ops', 'system'],
    label: label('Record the partner’s invoice as received', '登记已收到伙伴发票'),
  },
} as const;

interface Context extends Reviewing {
  processId: string;
  partnerId: string;
  bill: BillFigures;
  /** R61, with every part shown. */
  withdrawable: Withdrawable;
  incentiveTotalCents: number;
  dispute?: { comment: string; at: string; answer?: string; answeredAt?: string };
  confirmedAt?: string;
  /** R62: the incentive application and the invoice list it issued. */
  incentiveApplication?: { at: string; by: string; invoiceListNo: string; invoiceListPath: string };
  invoice?: { number: string; receivedAt: string };
}

const monthLabel = (context: Context) => label(`partner bill ${context.bill.month}`, `${context.bill.month} 伙伴账单`);

/** Where the printable invoice list is served (R62); the email links to it. */
export const invoiceListPath = (processId: string) => `/v1/processes/${encodeURIComponent(processId)}/invoice-list`;

type Args = { context: Context; event: { type: string; comment?: string } };

/** What the partner is told, by the step that tells it. */
const messages = {
  billReady: ({ context }: Args): NotifyParams => ({
    audience: 'partner',
    topic: 'actionNeeded',
    subject: label(`Your partner bill for ${context.bill.month} is ready`, `${context.bill.month} 伙伴账单已生成`),
    body: label(
      `Usage ${formatCny(context.bill.usage.totalCents)} (recorded before ${beijingClock(context.bill.dataCutoff)}; final figures follow the usage details). ` +
        `Withdrawable now ${formatCny(context.withdrawable.withdrawableCents)}. Please confirm the bill or dispute it.`,
      `消费金额 ${formatCny(context.bill.usage.totalCents)}（统计至 ${beijingClock(context.bill.dataCutoff)}，最终消费数据以消费明细为准）。` +
        `当前可提现金额 ${formatCny(context.withdrawable.withdrawableCents)}。请确认账单或提出异议。`,
    ),
  }),
  disputeAnswered: ({ context, event }: Args): NotifyParams => ({
    audience: 'partner',
    topic: 'reviewOutcome',
    subject: label(`Your dispute of the ${context.bill.month} bill was answered`, `您对 ${context.bill.month} 账单的异议已答复`),
    body: label(`Answer: ${event.comment!}. Please confirm the bill.`, `答复：${event.comment!}。请确认账单。`),
  }),
  /** R62: the invoice-notification email (开票通知邮件): issue the invoice offline, print the invoice list. */
  invoiceNotice: ({ context }: Args): NotifyParams => {
    const to = context.bill.invoiceTo;
    const amount = formatCny(context.incentiveTotalCents);
    return {
      audience: 'partner',
      topic: 'actionNeeded',
      subject: label(`Invoice notice: incentive for ${context.bill.month}, ${amount}`, `开票通知：${context.bill.month} 激励 ${amount}`),
      body: label(
        `Please issue a ${to.invoiceType.en} offline for ${amount} to ${to.name} (taxpayer ID ${to.taxId}) and send it to us. ` +
          `The invoice list shows every item; open the link below to view and print it.`,
        `请根据本邮件信息线下开具${to.invoiceType['zh-CN']}，金额 ${amount}，抬头 ${to.name}（纳税人识别号 ${to.taxId}），并寄送给我们。` +
          `单击下方链接进入“查看开票清单”页面，打印开票清单。`,
      ),
      link: invoiceListPath(context.processId),
    };
  },
};

/** The states as a person reads them; the view prefixes the billed month. */
const stateLabels = {
  generated: label('Bill generated: waiting for the partner to confirm it', '账单已生成：待伙伴确认'),
  disputed: label('Bill disputed: under review', '账单异议审核中'),
  confirmed: label('Bill confirmed: incentive payout can be applied for', '账单已确认：可申请激励申付'),
  invoicing: label('Invoice notice sent: waiting for the partner’s invoice', '已发送开票通知：待伙伴线下开具发票'),
  invoiceReceived: label('Invoice received: incentive payout follows', '发票已收到：激励待支付'),
  closed: label('Bill confirmed', '账单已确认'),
} satisfies Record<string, Labels>;

const preconditions = {
  hasIncentive: ({ context }: { context: Context }) =>
    context.incentiveTotalCents > 0
      ? undefined
      : { code: 'no_incentive', reason: `No incentive was earned in ${context.bill.month}, so there is nothing to apply for.` },
};

const review = reviewSetup<Context, EventsOf<typeof events>>();
const disputeOf = (context: Context) => label(`a dispute of the ${monthLabel(context).en}`, `${monthLabel(context)['zh-CN']}异议`);

const machine = setup({
  types: { context: {} as Context, events: {} as EventsOf<typeof events>, input: {} as StartInput<BillFigures> },
  guards: { ...guardsFrom(preconditions) },
  actions: {
    ...review.actions,
    rememberDispute: assign({ dispute: ({ event }) => (event.type === 'DISPUTE' ? { comment: event.comment, at: event.at } : undefined) }),
    rememberAnswer: assign({
      dispute: ({ context, event }) => (event.type === 'ANSWER_DISPUTE' && context.dispute ? { ...context.dispute, answer: event.comment, answeredAt: event.at } : context.dispute),
    }),
    rememberConfirmation: assign({ confirmedAt: ({ event }) => event.at }),
    issueInvoiceList: assign({
      incentiveApplication: ({ context, event }) => ({
        at: event.at,
        by: event.actor.id,
        invoiceListNo: `KP-${context.partnerId}-${context.bill.month}`,
        invoiceListPath: invoiceListPath(context.processId),
      }),
    }),
    forgetApplication: assign({ incentiveApplication: undefined }),
    rememberInvoice: assign({ invoice: ({ event }) => (event.type === 'RECEIVE_INVOICE' ? { number: event.invoiceNumber, receivedAt: event.at } : undefined) }),
  },
  delays: review.delays,
}).createMachine({
  id: 'partner-bill',
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    settings: input.settings,
    reviews: {},
    bill: input.input,
    withdrawable: withdrawable(input.input.balances, input.input.subUsers),
    incentiveTotalCents: input.input.incentives.reduce((sum, i) => sum + i.amountCents, 0),
  }),
  initial: 'generated',
  states: {
    generated: {
      meta: { label: stateLabels.generated },
      tags: ['waitsFor:partner'],
      entry: notify(messages.billReady),
      on: {
        CONFIRM: [
          { guard: 'hasIncentive', target: 'confirmed', actions: 'rememberConfirmation' },
          { target: 'closed', actions: 'rememberConfirmation' },
        ],
        DISPUTE: { target: 'disputed', actions: 'rememberDispute' },
      },
    },
    disputed: underReview({
      label: stateLabels.disputed,
      what: disputeOf,
      on: {
        ANSWER_DISPUTE: { target: 'generated', actions: ['rememberAnswer', notify(messages.disputeAnswered)] },
      },
    }),
    confirmed: {
      meta: { label: stateLabels.confirmed },
      tags: ['waitsFor:partner'],
      on: { APPLY_INCENTIVE_PAYOUT: { guard: 'hasIncentive', target: 'invoicing', actions: 'issueInvoiceList' } },
    },
    invoicing: {
      meta: { label: stateLabels.invoicing },
      tags: ['waitsFor:partner'],
      entry: notify(messages.invoiceNotice),
      on: {
        RECEIVE_INVOICE: { target: 'invoiceReceived', actions: 'rememberInvoice' },
        WITHDRAW: { target: 'confirmed', actions: 'forgetApplication' },
      },
    },
    invoiceReceived: { type: 'final', meta: { label: stateLabels.invoiceReceived } },
    closed: { type: 'final', meta: { label: stateLabels.closed } },
  },
});

export const partnerBill: ProcessKind = {
  name: 'partner-bill',
  version: 1,
  title: label('Partner bill', '伙伴账单'),
  machine,
  input,
  // Bills are generated by the monthly billing run (R60), never by hand with invented figures.
  startRoles: ['system'],
  oncePerPartner: false,
  events,
  preconditions,
  describe: (snapshot) => {
    const context = snapshot.context as Context;
    const state = (stateLabels as Record<string, Labels>)[String(snapshot.value)];
    return state ? label(`${context.bill.month}: ${state.en}`, `${context.bill.month}：${state['zh-CN']}`) : undefined;
  },
};
