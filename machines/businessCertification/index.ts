import { businessCertificationV1 } from './v1';
import { businessCertificationV2 } from './v2';

/** Every version of business-information certification that a process may still run on, oldest first. */
export const businessCertificationVersions = [businessCertificationV1, businessCertificationV2];
export const businessCertification = businessCertificationVersions[businessCertificationVersions.length - 1];
