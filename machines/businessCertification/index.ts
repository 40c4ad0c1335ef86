import { businessCertificationV1 } from './v1';

/** Every version of business-information certification that a process may still run on, oldest first. */
export const businessCertificationVersions = [businessCertificationV1];
export const businessCertification = businessCertificationVersions[businessCertificationVersions.length - 1];
