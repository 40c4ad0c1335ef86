/**
 * Everything the driver takes from machines/: the kinds and the pure policy over their snapshots.
 * Workflows reach it only through `policy()` (sharedPolicy.ts), so that a worker builds it once.
 */
export { kindOf, versionsOf } from '../machines/registry';
export { planMove } from '../machines/migration';
export { judge, stateKey } from '../machines/policy';
export { opsDetails } from './opsView';
export { migrationStep, startStep, step } from './step';
