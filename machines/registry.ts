import { businessCertificationVersions } from './businessCertification';
import { deliveryEvaluation } from './deliveryEvaluation';
import { initiationReview } from './initiationReview';
import { customerCreation } from './customerCreation';
import { disassociation } from './disassociation';
import type { ProcessKind } from './kind';
import { nreMilestonesVersions } from './nreMilestones';
import { partnerBill } from './partnerBill';
import { partnerOnboarding } from './partnerOnboarding';
import { partnerPayment } from './partnerPayment';
import { roleCertification } from './roleCertification';

/**
 * Every process kind the product runs, each with every version a process may still run on, oldest
 * first: a new kind is one machine file and one line here; a new version of a kind is a file in the
 * kind's folder and one entry in its list.
 */
const versions: Record<string, readonly ProcessKind[]> = {
  'partner-onboarding': [partnerOnboarding],
  'business-certification': businessCertificationVersions,
  'role-certification': [roleCertification],
  'nre-milestones': nreMilestonesVersions,
  'initiation-review': [initiationReview],
  'delivery-evaluation': [deliveryEvaluation],
  'partner-bill': [partnerBill],
  'customer-creation': [customerCreation],
  disassociation: [disassociation],
  'partner-payment': [partnerPayment],
};

/** The newest version of every kind: what new processes start on. */
export const registry: Record<string, ProcessKind> = Object.fromEntries(Object.entries(versions).map(([name, list]) => [name, list[list.length - 1]]));

/** Every version of a kind, oldest first; empty for an unknown kind. */
export const versionsOf = (name: string): readonly ProcessKind[] => (Object.hasOwn(versions, name) ? versions[name] : []);

/** The kind by name: its newest version, or the version a process runs on. */
export function kindOf(name: string, version?: number): ProcessKind | undefined {
  const list = versionsOf(name);
  return version === undefined ? list[list.length - 1] : list.find((kind) => kind.version === version);
}
