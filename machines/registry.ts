import { businessCertification } from './businessCertification';
import type { ProcessKind } from './kind';
import { nreMilestones } from './nreMilestones';
import { partnerOnboarding } from './partnerOnboarding';
import { roleCertification } from './roleCertification';

/** Every process kind the product runs: a new kind is one machine file and one line here. */
export const registry: Record<string, ProcessKind> = {
  'partner-onboarding': partnerOnboarding,
  'business-certification': businessCertification,
  'role-certification': roleCertification,
  'nre-milestones': nreMilestones,
};

export const kindOf = (name: string): ProcessKind | undefined => (Object.hasOwn(registry, name) ? registry[name] : undefined);
