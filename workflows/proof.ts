import type { Proof } from './contract';

/**
 * Whether a request reached the engine from partnerflow's edge (contract.ts, `Proof`). The seal proves who
 * made it; these checks prove it was made for this process and this Update, a moment ago, so that a sealed
 * request copied out of one history cannot be sent again to another process or as another Update.
 */

/** How far the edge's clock and the engine's may drift, and how long a request may wait for its first try. */
export const proofWindowMs = 10 * 60_000;

/**
 * Why the proof does not hold, or undefined when it does. `updateId` and `now` are checked for Updates,
 * which people wait on; a start or a fact may wait for a worker for hours and still be the edge's.
 */
export function unproven(proof: Proof | undefined, expected: { processId: string; updateId?: string; now?: number }): string | undefined {
  if (!proof || typeof proof !== 'object') return 'it carries no proof that partnerflow sent it';
  if (proof.processId !== expected.processId) return 'its proof was made for another process';
  if (expected.updateId !== undefined && proof.updateId !== expected.updateId) return 'its proof was made for another Update';
  if (expected.now === undefined) return undefined;
  const at = typeof proof.at === 'string' ? Date.parse(proof.at) : NaN;
  if (!Number.isFinite(at) || Math.abs(expected.now - at) > proofWindowMs) return 'its proof is not from the last ten minutes';
  return undefined;
}
