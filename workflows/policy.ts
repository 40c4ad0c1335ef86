/**
 * Everything the driver takes from machines/: the kinds and the pure policy over their snapshots.
 * Workflows reach it only through `policy()` (sharedPolicy.ts), so that a worker builds it once.
 */
export { kindOf } from '../machines/registry';
export { judge, stateKey } from '../machines/policy';
export { opsDetails } from './opsView';
export { startStep, step } from './step';
