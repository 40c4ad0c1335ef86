import { assign, setup } from 'xstate';
import { z } from 'zod';
import { guardsFrom, type EventsOf, type ProcessKind, type StartInput } from './kind';
import { operationEffects } from './operations';
import { effects } from './review';
import { label } from './types';

/**
 * Creating a customer (创建客户, R66): the partner creates a customer on its sales platform; a cloud
 * account is opened for it and mapped to it; when a phone number is given, an SMS verification code
 * (验证码) goes to that phone and the customer is created once the code is verified. The account and the
 * code are outside work (`perform`): the code itself never reaches this machine or its history.
 */

const phone = z.string().trim().regex(/^\+?[0-9][0-9 -]{5,19}$/, 'Invalid phone number');

const input = z.strictObject({
  /** The customer's account name on the partner's sales platform; it becomes the customer's id. */
  customerId: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'Use 3 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit'),
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254).optional(),
  phone: phone.optional(),
});

const events = {
  // The outcomes of the process's own work: nobody sends them (no roles), the driver delivers them.
  CLOUD_ACCOUNT_OPENED: { schema: z.strictObject({ cloudAccountId: z.string() }), roles: [], label: label('Cloud account opened', '云账号已创建') },
  CLOUD_ACCOUNT_REFUSED: { schema: z.strictObject({ reason: z.string() }), roles: [], label: label('Cloud account refused', '云账号创建失败') },
  CODE_SENT: { schema: z.strictObject({ phone: z.string() }), roles: [], label: label('Verification code sent', '验证码已发送') },
  RESEND_CODE: { schema: z.strictObject({}), roles: ['partner'], label: label('Send a new verification code', '重新发送验证码') },
  /** Sent by the edge once it has checked the code against its hash (POST /v1/customers/:id/phone-verification). */
  PHONE_VERIFIED: { schema: z.strictObject({ verifiedBy: z.string().min(1).max(200) }), roles: ['system'], label: label('Phone number verified', '手机号已验证') },
} as const;

interface Context {
  processId: string;
  partnerId: string;
  customerId: string;
  name: string;
  email?: string;
  phone?: string;
  cloudAccountId?: string;
  refusal?: string;
  /** The masked number the last code went to, and when. */
  codeSentTo?: string;
  codeSentAt?: string;
  codesSent: number;
  phoneVerified: boolean;
}

const openAccount = ({ context }: { context: Context }) => ({
  name: 'openCloudAccount',
  input: { customerId: context.customerId, name: context.name, ...(context.email ? { email: context.email } : {}), ...(context.phone ? { phone: context.phone } : {}) },
});

/** Codes one customer creation may send: enough for a lost SMS or two, not a way to flood a phone or reset the guessing limit. */
const maxCodes = 5;

const preconditions = {
  mayResendCode: ({ context }: { context: Context }) =>
    context.codesSent >= maxCodes
      ? {
          code: 'too_many_codes',
          reason: `${maxCodes} verification codes have been sent to this customer already; ask ops to check the phone number before sending more.`,
        }
      : undefined,
};

const sendCode = ({ context }: { context: Context }) => ({ name: 'sendVerificationCode', input: { customerId: context.customerId, phone: context.phone! } });

const machine = setup({
  types: { context: {} as Context, events: {} as EventsOf<typeof events>, input: {} as StartInput<z.infer<typeof input>> },
  actions: {
    ...effects,
    ...operationEffects,
    rememberAccount: assign({ cloudAccountId: ({ event }) => (event.type === 'CLOUD_ACCOUNT_OPENED' ? event.cloudAccountId : undefined) }),
    rememberRefusal: assign({ refusal: ({ event }) => (event.type === 'CLOUD_ACCOUNT_REFUSED' ? event.reason : undefined) }),
    rememberCodeSent: assign(({ context, event }) =>
      event.type === 'CODE_SENT' ? { codeSentTo: event.phone, codeSentAt: event.at, codesSent: context.codesSent + 1 } : {},
    ),
    rememberVerified: assign({ phoneVerified: true }),
  },
  guards: {
    ...guardsFrom(preconditions),
    phoneGiven: ({ context }) => context.phone !== undefined,
  },
}).createMachine({
  id: 'customer-creation',
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    customerId: input.input.customerId,
    name: input.input.name,
    ...(input.input.email ? { email: input.input.email } : {}),
    ...(input.input.phone ? { phone: input.input.phone } : {}),
    codesSent: 0,
    phoneVerified: false,
  }),
  initial: 'openingAccount',
  states: {
    openingAccount: {
      meta: { label: label('Opening the cloud account', '正在创建云账号') },
      entry: { type: 'perform', params: openAccount },
      on: {
        CLOUD_ACCOUNT_OPENED: [
          { guard: 'phoneGiven', target: 'verifyingPhone', actions: 'rememberAccount' },
          { target: 'created', actions: 'rememberAccount' },
        ],
        CLOUD_ACCOUNT_REFUSED: { target: 'refused', actions: 'rememberRefusal' },
      },
    },
    verifyingPhone: {
      meta: { label: label('Cloud account mapped; waiting for the SMS verification code', '云账号已映射：等待短信验证码校验') },
      tags: ['waitsFor:customer'],
      entry: { type: 'perform', params: sendCode },
      on: {
        CODE_SENT: { actions: 'rememberCodeSent' },
        // A new code replaces the old one (its hash is overwritten): re-entering sends it.
        RESEND_CODE: { guard: 'mayResendCode', target: 'verifyingPhone', reenter: true },
        PHONE_VERIFIED: { target: 'created', actions: 'rememberVerified' },
      },
    },
    created: { type: 'final', meta: { label: label('Customer created and mapped to its cloud account', '客户已创建，已映射云账号') } },
    refused: { type: 'final', meta: { label: label('Customer not created: the cloud account was refused', '客户创建失败：云账号未创建') } },
  },
});

export const customerCreation: ProcessKind = {
  name: 'customer-creation',
  version: 1,
  title: label('Customer creation', '创建客户'),
  machine,
  input,
  startRoles: ['partner'],
  oncePerPartner: false,
  events,
  preconditions,
};
