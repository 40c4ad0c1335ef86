import { assign, setup } from 'xstate';
import { z } from 'zod';
import { guardsFrom, type EventsOf, type FactEvent, type ProcessKind, type StartInput } from './kind';
import {
  approve,
  isNewFactAmong,
  notify,
  reject,
  reviewSetup,
  tellPartnerApproved,
  tellPartnerRejected,
  underReview,
  withdraw,
  withFact,
  type Commented,
  type Reviewing,
} from './review';
import { label, materialsSchema, type Labels, type Materials, type PartnerFacts } from './types';

/**
 * Role certification (角色认证, R5): on the "digital transformation consulting and system integration"
 * path, a partner that meets a role's minimum requirements may apply for the role, and is reviewed.
 * The source names no roles: this list and its requirements are ours (README). Of each role's
 * requirements the machine checks the one it can know (business-information certification passed);
 * the reviewer checks the rest against the submitted materials.
 */

export const partnerRoles = {
  'digital-transformation-consultant': {
    label: label('Digital transformation consultant', '数字化转型咨询伙伴'),
    requirements: [
      label('Business-information certification passed', '商业信息认证已通过'),
      label('At least 2 consultants holding a cloud architecture certificate', '至少2名持有云架构认证的咨询顾问'),
      label('At least 1 consulting project delivered in the last 12 months', '近12个月至少交付1个咨询项目'),
    ],
  },
  'system-integrator': {
    label: label('System integrator', '系统集成伙伴'),
    requirements: [
      label('Business-information certification passed', '商业信息认证已通过'),
      label('At least 5 engineers holding a cloud service certificate', '至少5名持有云服务认证的工程师'),
      label('At least 2 integration projects delivered in the last 12 months', '近12个月至少交付2个集成项目'),
    ],
  },
  'cloud-migration-specialist': {
    label: label('Cloud migration specialist', '上云迁移伙伴'),
    requirements: [
      label('Business-information certification passed', '商业信息认证已通过'),
      label('At least 3 engineers holding a migration certificate', '至少3名持有迁移认证的工程师'),
      label('At least 1 migration project delivered in the last 12 months', '近12个月至少交付1个迁移项目'),
    ],
  },
} satisfies Record<string, { label: Labels; requirements: Labels[] }>;

type PartnerRole = keyof typeof partnerRoles;
const roleNames = Object.keys(partnerRoles) as [PartnerRole, ...PartnerRole[]];

const input = z.strictObject({ role: z.enum(roleNames) });

const events = {
  SUBMIT: {
    schema: z.strictObject({ materials: materialsSchema.optional(), note: z.string().trim().min(1).max(2000).optional() }),
    roles: ['partner'],
    label: label('Apply for the role', '申请角色认证'),
  },
  APPROVE: approve,
  REJECT: reject,
  WITHDRAW: withdraw,
} as const;

interface Context extends Reviewing, Commented {
  processId: string;
  partnerId: string;
  role: PartnerRole;
  requirements: Labels[];
  facts: PartnerFacts;
  application?: { materials: Materials; note?: string; at: string };
}

type Event = EventsOf<typeof events> | FactEvent;

const subjectOf = (context: Context) => {
  const role = partnerRoles[context.role].label;
  return label(`role certification "${role.en}"`, `角色认证"${role['zh-CN']}"`);
};

type Args = { context: Context; event: { type: string; comment?: string } };

/** What the partner is told of a decision, and what the partner's other processes hear. */
const messages = {
  approved: ({ context, event }: Args) => tellPartnerApproved(subjectOf(context), event.comment),
  rejected: ({ context, event }: Args) => tellPartnerRejected(subjectOf(context), event.comment!),
};
const roleCertified = ({ context }: { context: Context }) => ({ fact: 'roleCertified' as const, role: context.role });

const preconditions = {
  meetsMinimumRequirements: ({ context }: { context: Context }) =>
    context.facts.businessCertified
      ? undefined
      : {
          code: 'requirements_unmet',
          reason: `The role "${partnerRoles[context.role].label.en}" requires passed business-information certification before applying; complete business-information certification first.`,
        },
};

const review = reviewSetup<Context, Event>();

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<z.infer<typeof input>> },
  guards: { ...guardsFrom(preconditions), isNewFact: isNewFactAmong(['businessCertified']) },
  actions: {
    ...review.actions,
    rememberFact: assign({ facts: ({ context, event }) => withFact(context.facts, event) }),
    rememberApplication: assign(({ event }) =>
      event.type === 'SUBMIT' ? { application: { materials: event.materials ?? [], note: event.note, at: event.at } } : {},
    ),
  },
  delays: review.delays,
}).createMachine({
  id: 'role-certification',
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    role: input.input.role,
    requirements: partnerRoles[input.input.role].requirements,
    facts: input.facts,
    settings: input.settings,
    reviews: {},
  }),
  initial: 'notApplied',
  on: { FACT: { guard: 'isNewFact', actions: 'rememberFact' } },
  states: {
    notApplied: {
      meta: { label: label('Not applied: check the minimum requirements, then apply', '未申请：达到最低要求后可申请') },
      tags: ['waitsFor:partner'],
      on: {
        SUBMIT: { guard: 'meetsMinimumRequirements', target: 'underReview', actions: 'rememberApplication' },
        WITHDRAW: 'withdrawn',
      },
    },
    underReview: underReview({
      label: label('Role certification under review', '角色认证审核中'),
      what: subjectOf,
      on: {
        APPROVE: { target: 'certified', actions: ['rememberComment', { type: 'announce', params: roleCertified }, notify(messages.approved)] },
        REJECT: { target: 'rejected', actions: ['rememberComment', notify(messages.rejected)] },
        WITHDRAW: 'withdrawn',
      },
    }),
    rejected: {
      meta: { label: label('Role certification not passed: correct and reapply', '角色认证未通过：修改后可重新申请') },
      tags: ['waitsFor:partner'],
      on: {
        SUBMIT: { guard: 'meetsMinimumRequirements', target: 'underReview', actions: 'rememberApplication' },
        WITHDRAW: 'withdrawn',
      },
    },
    certified: { type: 'final', meta: { label: label('Role certified', '角色认证通过') } },
    withdrawn: { type: 'final', meta: { label: label('Withdrawn', '已撤回') } },
  },
});

export const roleCertification: ProcessKind = {
  name: 'role-certification',
  version: 1,
  title: label('Role certification', '角色认证'),
  machine,
  input,
  startRoles: ['partner'],
  oncePerPartner: false,
  events,
  preconditions,
  describe: (snapshot) => {
    const context = snapshot.context as Context;
    const role = partnerRoles[context.role].label;
    const state = snapshot.machine.getStateNodeById(`role-certification.${String(snapshot.value)}`).meta?.label as Labels;
    return label(`${role.en}: ${state.en}`, `${role['zh-CN']}：${state['zh-CN']}`);
  },
};
