import { nreMilestonesV1 } from './v1';
import { nreMilestonesV2 } from './v2';

/** Every version of NRE milestone acceptance that a process may still run on, oldest first. */
export const nreMilestonesVersions = [nreMilestonesV1, nreMilestonesV2];
export const nreMilestones = nreMilestonesVersions[nreMilestonesVersions.length - 1];
