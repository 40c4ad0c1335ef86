import type { Proof } from '../workflows/contract';

/**
 * The edge's proof that it made a request for this process (and this Update) now: sealed with the
 * payload, checked by the driver (workflows/proof.ts, docs/SECURITY.md).
 */
export const proofFor = (processId: string, updateId?: string): Proof => ({ processId, ...(updateId ? { updateId } : {}), at: new Date().toISOString() });
