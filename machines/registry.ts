import type { ProcessKind } from './kind';

/* eslint-disable @typescript-eslint/no-require-imports -- each kind is loaded when first asked for, see below */

/**
 * Every process kind the product runs: a new kind is one machine file and one line here.
 *
 * Each kind is loaded when it is first asked for. The workflow worker evaluates a workflow's modules
 * afresh for every workflow it loads, so a process builds only its own machine and schemas, not all
 * ten (docs/PERFORMANCE.md); everywhere else the record behaves as a plain one.
 */
const loaders: Record<string, () => ProcessKind> = {
  'partner-onboarding': () => (require('./partnerOnboarding') as typeof import('./partnerOnboarding')).partnerOnboarding,
  'business-certification': () => (require('./businessCertification') as typeof import('./businessCertification')).businessCertification,
  'role-certification': () => (require('./roleCertification') as typeof import('./roleCertification')).roleCertification,
  'nre-milestones': () => (require('./nreMilestones') as typeof import('./nreMilestones')).nreMilestones,
  'initiation-review': () => (require('./initiationReview') as typeof import('./initiationReview')).initiationReview,
  'delivery-evaluation': () => (require('./deliveryEvaluation') as typeof import('./deliveryEvaluation')).deliveryEvaluation,
  'partner-bill': () => (require('./partnerBill') as typeof import('./partnerBill')).partnerBill,
  'customer-creation': () => (require('./customerCreation') as typeof import('./customerCreation')).customerCreation,
  disassociation: () => (require('./disassociation') as typeof import('./disassociation')).disassociation,
  'partner-payment': () => (require('./partnerPayment') as typeof import('./partnerPayment')).partnerPayment,
};

export const registry: Record<string, ProcessKind> = {};
for (const [name, load] of Object.entries(loaders)) {
  let kind: ProcessKind | undefined;
  Object.defineProperty(registry, name, { enumerable: true, get: () => (kind ??= load()) });
}

/**
 * Earlier versions of a kind that may still have running processes, as `kind@vN`. A run keeps the
 * version it started with; when it continues-as-new, the newest version's `migrate` moves it on.
 */
const earlierVersions: Record<string, ProcessKind> = {};

/** The kind by name: its newest version, or the version a process started with. */
export function kindOf(name: string, version?: number): ProcessKind | undefined {
  const newest = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!newest || version === undefined || version === newest.version) return newest;
  return earlierVersions[`${name}@v${version}`];
}
