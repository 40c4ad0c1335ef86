import { sampleFigures } from './bills';

/**
 * One fixture table per kind: what a test starts a process with, a valid payload of every event
 * (`CONCLUDE#failed` names a second variant of `CONCLUDE`), and payloads that must be refused. The pure
 * machine tests, the property tests, the paths to every state and the HTTP tests all read it.
 */

/** A material item, as partners attach them (R13: milestone applications carry at least one since nre-milestones v2). */
export const materials = [{ name: 'Acceptance report', url: 'https://files.example/acceptance.pdf' }];
/** A scan of the business licence (business-certification v2). */
export const licence = { licenseNumber: '91310000MA1K4AJ12X', materials: [{ name: 'Business licence', url: 'https://files.example/licence.pdf' }] };

export interface KindFixture {
  /** The start input; `customerId` names the customer a kind about one is about. */
  start: (customerId: string) => Record<string, unknown>;
  valid: Record<string, Record<string, unknown>>;
  /** Actions the kind refuses whatever its state: bad payloads and unknown values. */
  invalid: Array<Record<string, unknown> & { type: string }>;
}

export const fixtures: Record<string, KindFixture> = {
  'partner-onboarding': {
    start: () => ({ companyName: 'Team Co.' }),
    valid: {
      REAL_NAME_VERIFIED: {},
      BIND_EMAIL: { email: 'it@team.example' },
      SUBMIT: { program: 'solution-provider' },
      APPROVE: { comment: 'Looks good' },
      REJECT: { comment: 'Materials incomplete' },
      WITHDRAW: {},
    },
    invalid: [{ type: 'BIND_EMAIL', email: 'not-an-email' }, { type: 'SUBMIT', program: 'other' }, { type: 'REJECT' }],
  },
  'business-certification': {
    start: () => ({}),
    valid: { SUBMIT: licence, APPROVE: {}, REJECT: { comment: 'Licence unreadable' }, WITHDRAW: {} },
    invalid: [{ type: 'SUBMIT', licenseNumber: 'ABC', materials: licence.materials }, { type: 'SUBMIT', licenseNumber: licence.licenseNumber }, { type: 'REJECT', comment: '' }],
  },
  'role-certification': {
    start: () => ({ role: 'system-integrator' }),
    valid: { SUBMIT: {}, APPROVE: {}, REJECT: { comment: 'No project yet' }, WITHDRAW: {} },
    invalid: [{ type: 'REJECT' }, { type: 'SUBMIT', role: 'other' }],
  },
  'nre-milestones': {
    start: () => ({}),
    valid: {
      APPLY: { milestone: 1, materials },
      APPROVE: {},
      REJECT: { comment: 'Incomplete' },
      REQUEST_MORE: { comment: 'Add the test report' },
      SUPPLY_MATERIALS: { materials: [{ name: 'Test report', url: 'https://files.example/test.pdf' }] },
      WITHDRAW: {},
    },
    invalid: [{ type: 'APPLY', milestone: 4, materials }, { type: 'APPLY', milestone: 1 }, { type: 'REJECT', comment: '' }, { type: 'SUPPLY_MATERIALS', materials: [] }],
  },
  'initiation-review': {
    start: () => ({ solution: 'Smart retail' }),
    valid: {
      SUBMIT: { solution: 'Smart retail' },
      APPLY_JOINT_DESIGN: { plan: 'Joint design plan' },
      APPROVE: { subject: 'initiation' },
      REJECT: { subject: 'initiation', comment: 'Not yet' },
      WITHDRAW: {},
    },
    invalid: [{ type: 'SUBMIT', solution: '' }, { type: 'APPROVE', subject: 'other' }, { type: 'REJECT', subject: 'joint-design', comment: '' }],
  },
  'delivery-evaluation': {
    start: () => ({ project: 'Smart port', materials: [{ name: 'Handover', url: 'https://x.example/h' }] }),
    valid: {
      SUBMIT_EVIDENCE: { evidence: [{ name: 'Sign-off', url: 'https://x.example/sign-off' }] },
      REQUEST_MORE: { comment: 'More evidence, please' },
      CONCLUDE: { result: 'passed' },
      'CONCLUDE#failed': { result: 'failed' },
      WITHDRAW: {},
    },
    invalid: [{ type: 'SUBMIT_EVIDENCE', evidence: [] }, { type: 'REQUEST_MORE', comment: '' }, { type: 'CONCLUDE', result: 'maybe' }],
  },
  'partner-bill': {
    start: () => sampleFigures() as unknown as Record<string, unknown>,
    valid: {
      CONFIRM: {},
      DISPUTE: { comment: 'Not our usage' },
      ANSWER_DISPUTE: { comment: 'It is yours' },
      APPLY_INCENTIVE_PAYOUT: {},
      WITHDRAW: {},
      RECEIVE_INVOICE: { invoiceNumber: 'FP-0001' },
    },
    invalid: [{ type: 'DISPUTE', comment: '' }, { type: 'RECEIVE_INVOICE', invoiceNumber: '' }],
  },
  'customer-creation': {
    start: (customerId) => ({ customerId: `${customerId}-new`, name: 'New Customer Co.', phone: '+86 138 0000 0000' }),
    valid: {
      CLOUD_ACCOUNT_OPENED: { cloudAccountId: 'forged' },
      CLOUD_ACCOUNT_REFUSED: { reason: 'forged' },
      CODE_SENT: { phone: '+86 138 0000 0000' },
      RESEND_CODE: {},
      PHONE_VERIFIED: { verifiedBy: 'system' },
    },
    invalid: [{ type: 'PHONE_VERIFIED', verifiedBy: '' }],
  },
  disassociation: {
    start: (customerId) => ({ associationType: 'resale', customerId }),
    valid: { AGREE: {}, DECLINE: { comment: 'Unpaid orders' }, CANCEL_REQUEST: {}, APPROVE: {}, REJECT: { comment: 'Unpaid orders' }, APPLY: { note: 'Paid now' }, WITHDRAW: {} },
    invalid: [{ type: 'DECLINE' }, { type: 'REJECT', comment: '' }],
  },
  'partner-payment': {
    start: () => ({ orderId: 'ORD-1', product: 'ECS', orderType: 'cloud-service', amount: '10.00', currency: 'CNY' }),
    valid: { PAY: {}, DECLINE: {}, PAY_OTHER_WAY: { method: 'online' }, VAT_INVOICE_ISSUED: { invoiceNumber: '0440' }, UNSUBSCRIBE: {}, CLOSE: {} },
    invalid: [{ type: 'PAY_OTHER_WAY', method: 'cash' }, { type: 'VAT_INVOICE_ISSUED', invoiceNumber: '' }],
  },
};

/** A valid payload of every event of every kind, by variant. */
export const validPayloads = Object.fromEntries(Object.entries(fixtures).map(([name, f]) => [name, f.valid]));

/** Start inputs of every kind; the HTTP tests put their own customer id where one is named. */
export const startInputs = (customerId: string) => Object.fromEntries(Object.entries(fixtures).map(([name, f]) => [name, f.start(customerId)]));
