import type { ProcessArgs } from './contract';
import { processWorkflow } from './process';

/**
 * One thin workflow per kind, so that ops see the kind as the Workflow Type in the Web UI; each is the
 * same generic driver. The client names them with `workflowTypeOf(kind)`.
 */
export const partnerOnboarding = (args: ProcessArgs) => processWorkflow(args);
export const businessCertification = (args: ProcessArgs) => processWorkflow(args);
export const roleCertification = (args: ProcessArgs) => processWorkflow(args);
export const nreMilestones = (args: ProcessArgs) => processWorkflow(args);
export const initiationReview = (args: ProcessArgs) => processWorkflow(args);
export const deliveryEvaluation = (args: ProcessArgs) => processWorkflow(args);
export const partnerBill = (args: ProcessArgs) => processWorkflow(args);
export const customerCreation = (args: ProcessArgs) => processWorkflow(args);
export const disassociation = (args: ProcessArgs) => processWorkflow(args);
export const partnerPayment = (args: ProcessArgs) => processWorkflow(args);

export { processWorkflow };
/** The monthly billing run that the partner-bills schedule starts (R60). */
export { generatePartnerBills } from './bills';
/** Moving a kind's open processes to another version (POST /v1/migrations). */
export { migrateProcesses } from './migration';
/** The outbox dispatcher: one per task queue, sending every message of the outbox (R74). */
export { outboxDispatcher } from './outboxDispatcher';
