import { businessCertification } from './businessCertification';
import { deliveryEvaluation } from './deliveryEvaluation';
import { initiationReview } from './initiationReview';
import { customerCreation } from './customerCreation';
import { disassociation } from './disassociation';
import type { ProcessKind } from './kind';
import { nreMilestones } from './nreMilestones';
import { partnerBill } from './partnerBill';
import { partnerOnboarding } from './partnerOnboarding';
import { partnerPayment } from './partnerPayment';
import { roleCertification } from './roleCertification';

/** Every process kind the product runs: a new kind is one machine file and one line here. */
export const registry: Record<string, ProcessKind> = {
  'partner-onboarding': partnerOnboarding,
  'business-certification': businessCertification,
  'role-certification': roleCertification,
  'nre-milestones': nreMilestones,
  'initiation-review': initiationReview,
  'delivery-evaluation': deliveryEvaluation,
  'partner-bill': partnerBill,
  'customer-creation': customerCreation,
  disassociation,
  'partner-payment': partnerPayment,
};

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
