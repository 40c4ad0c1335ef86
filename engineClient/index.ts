import { createHash, randomUUID } from 'node:crypto';
import {
  Client,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { defaultSettings, type ProcessKind, type ProcessSettings } from '../machines/kind';
import { noFacts, type Actor, type Refusal } from '../machines/types';
import { act, driverVersion, inspect, liveState, migrate, refusalType, searchAttributeKeys, settled, startHold, type ActResult, type Inspection, type LiveState, type MigrateRequest, type MigrateResult } from '../workflows/contract';
import { proofFor } from './proof';

export { proofFor } from './proof';
import { openingSearchAttributes, startMetadata } from '../workflows/opsView';

/** A refusal from a process (R73): nothing changed. The edge turns it into `{ error: { code, reason } }`. */
export class ProcessRefusal extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
    this.name = 'ProcessRefusal';
  }
}

/** No worker took the request in time: it may still be applied later, so a retry must reuse its Idempotency-Key. */
export class EngineUnavailable extends Error {
  constructor() {
    super('The process engine did not answer in time; the action may still be applied. Retry with the same Idempotency-Key.');
    this.name = 'EngineUnavailable';
  }
}

/** The server refuses Updates while a workflow task is retried after a failure or a timeout (a worker crash). */
const workflowTaskRetrying = (err: unknown) =>
  err instanceof ServiceError && /FAILED_PRECONDITION/.test(String(err.cause?.message)) && /Workflow Task in failed state/i.test(String(err.cause?.message));

/**
 * The engine cannot be reached (restarting, a network blip): nothing was sent, or what was sent carries
 * an id the engine deduplicates (the workflow id of a start, the update id of an action), so it is sent
 * again until the caller's deadline, then answered 503.
 */
const engineUnreachable = (err: unknown) =>
  err instanceof ServiceError && ((err.cause as { code?: number } | undefined)?.code === 14 /* UNAVAILABLE */ || /\bUNAVAILABLE\b/.test(`${err.cause?.message ?? ''} ${err.message}`));

/**
 * An Idempotency-Key is the caller's own, in the role it acts in: two people using the same key never
 * collide, nor does one person's key used with a partner key and with a reviewer key (the driver keeps
 * ids that start with `${actor.id}:`).
 */
export const updateIdFor = (actor: Actor, idempotencyKey: string) => `${actor.id}:${actor.role}:${idempotencyKey}`;

/** The Update id releases before role-scoped ids gave an Idempotency-Key: still found in older records. */
export const legacyUpdateIdFor = (actor: Actor, idempotencyKey: string) => `${actor.id}:${idempotencyKey}`;

/** `partner-onboarding` → `partnerOnboarding`, the thin workflow that runs the kind. */
export const workflowTypeOf = (kind: string) => kind.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const plainKey = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The process id names the kind, the partner and what makes the process unique, so that starting
 * the same thing twice finds the first one. Keys are hashed unless they are short and plain.
 */
export function processIdFor(kind: ProcessKind, partnerId: string, key?: string): string {
  if (kind.oncePerPartner) return `${kind.name}:${partnerId}`;
  if (!key) throw new Error('A business key or idempotency key is needed to name this process.');
  const plain = plainKey.test(key) ? key : createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `${kind.name}:${partnerId}:${plain}`;
}

/**
 * A customer's process: its business keys are its own, so the id can equal neither a partner's process id
 * (whose last part never contains "~") nor another customer's of the same partner.
 */
export function customerProcessIdFor(kind: ProcessKind, partnerId: string, customerId: string, key: string): string {
  const part =
    plainKey.test(customerId) && plainKey.test(key) ? `${customerId}~${key}` : `~${createHash('sha256').update(JSON.stringify([customerId, key])).digest('hex').slice(0, 32)}`;
  return `${kind.name}:${partnerId}:${part}`;
}

/** The refusal an Update's failure stands for (the driver's own, or a process that ended), else the error itself. */
function refusalOf(err: unknown, endedReason: string): unknown {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === refusalType) return new ProcessRefusal(cause.details?.[0] as Refusal);
  if (err instanceof WorkflowNotFoundError) return new ProcessRefusal({ status: 409, code: 'process_ended', reason: endedReason });
  return err;
}

export interface StartRequest {
  kind: ProcessKind;
  processId: string;
  partnerId: string;
  businessKey: string | null;
  input: unknown;
  startedBy: Actor;
}

export interface ProcessClientOptions {
  taskQueue: string;
  /** The settings a new process of a kind starts with (default: `defaultSettings`). */
  settings?: (kind: string) => ProcessSettings;
  historyLimit?: number;
  /** How long a caller waits for a worker to take an action or a start (default 20 s). */
  answerWithinMs?: number;
  /**
   * Called once an Update to a process completed, i.e. the engine committed its steps up to `version`:
   * the records store releases the steps it held until then (store.releaseSteps).
   */
  onCommitted?: (processId: string, version: number) => Promise<unknown>;
}

/** Starts processes, sends them actions and reads their live state: the one module that talks to Temporal. */
export class ProcessClient {
  constructor(
    readonly temporal: Client,
    private readonly options: ProcessClientOptions,
  ) {}

  /** Starts the process unless it exists (running or ended); resolves once its start is recorded. */
  async start(request: StartRequest): Promise<{ created: boolean }> {
    let created = true;
    // What ops read in the Web UI's list and on the workflow's page (memo, summary, details); the driver keeps the rest current.
    const { memo, staticSummary, staticDetails } = startMetadata(request.kind, request.partnerId, request.businessKey);
    const settings = this.options.settings?.(request.kind.name) ?? defaultSettings;
    const opening = openingSearchAttributes(request.kind, {
      processId: request.processId,
      partnerId: request.partnerId,
      startedBy: request.startedBy,
      at: new Date().toISOString(),
      input: request.input,
      facts: noFacts,
      settings,
    });
    try {
      await this.whileReachable(() => this.temporal.workflow.start(workflowTypeOf(request.kind.name), {
        workflowId: request.processId,
        taskQueue: this.options.taskQueue,
        args: [
          {
            kind: request.kind.name,
            kindVersion: request.kind.version,
            partnerId: request.partnerId,
            businessKey: request.businessKey,
            startedBy: request.startedBy,
            input: request.input,
            settings,
            historyLimit: this.options.historyLimit,
            driver: driverVersion,
            proof: proofFor(request.processId),
          },
        ],
        // An ended process is never started again under the same id: it is returned as it is.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // Running or not, a second start of the same process is told so, and answered with the first (200, not 201).
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: [
          { key: searchAttributeKeys.kind, value: request.kind.name },
          { key: searchAttributeKeys.partner, value: request.partnerId },
          { key: searchAttributeKeys.kindVersion, value: request.kind.version },
          ...opening,
        ],
        memo,
        staticSummary,
        staticDetails,
      }));
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      created = false;
    }
    // Either way the process's start is recorded before anyone reads it; an ended one has no run to ask.
    await this.settle(request.processId).catch((err) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
    return { created };
  }

  /** Waits until the process's effects so far are recorded. */
  async settle(processId: string): Promise<ActResult> {
    return this.committed(processId, await this.answered(() => this.temporal.workflow.getHandle(processId).executeUpdate(settled)));
  }

  /**
   * The Update completed, so its steps are committed: those the records store held are written now. A
   * release that fails (the store busy) is tried once more; after that the dispatcher releases the step,
   * and the action, which was applied, is not reported as failed.
   */
  private async committed<T extends { version: number }>(processId: string, result: T): Promise<T> {
    const release = this.options.onCommitted;
    if (release) await release(processId, result.version).catch(() => new Promise((resolve) => setTimeout(resolve, 100)).then(() => release(processId, result.version)).catch(() => {}));
    return result;
  }

  /**
   * Runs an Update that a worker must take, giving up (EngineUnavailable) when none does in time.
   * While the process's workflow task is being retried (its worker died mid-task), the server turns
   * Updates away before admitting them; they are sent again until the deadline, which is safe.
   */
  private async answered<T>(update: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.options.answerWithinMs ?? 20_000);
    for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
      try {
        return await this.temporal.withDeadline(deadline, update);
      } catch (err) {
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new EngineUnavailable();
        if (!workflowTaskRetrying(err) && !engineUnreachable(err)) throw err;
        if (Date.now() + pause >= deadline) throw new EngineUnavailable();
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** A start sent again while the engine cannot be reached, until the caller's deadline (then EngineUnavailable). */
  private async whileReachable<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.options.answerWithinMs ?? 20_000);
    for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
      try {
        return await call();
      } catch (err) {
        if (!engineUnreachable(err)) throw err;
        if (Date.now() + pause >= deadline) throw new EngineUnavailable();
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** Sends an action; throws ProcessRefusal when the process refuses it. */
  async act(processId: string, request: { action: unknown; actor: Actor; expectedVersion?: number; idempotencyKey?: string }): Promise<ActResult> {
    // One id for every attempt, so an attempt the engine took before the connection dropped is not applied again.
    const updateId = request.idempotencyKey === undefined ? randomUUID() : updateIdFor(request.actor, request.idempotencyKey);
    try {
      return await this.committed(processId, await this.answered(() =>
        this.temporal.workflow.getHandle(processId).executeUpdate(act, {
          args: [{ action: request.action, actor: request.actor, expectedVersion: request.expectedVersion, proof: proofFor(processId, updateId) }],
          updateId,
        }),
      ));
    } catch (err) {
      throw refusalOf(err, 'This process has ended; nothing more can be done on it.');
    }
  }

  /**
   * Moves a process to another version of its kind now (the `migrate` Update); throws ProcessRefusal when
   * it cannot move. The Update id names the migration, so a retried batch moves each process once.
   */
  async migrate(processId: string, request: Omit<MigrateRequest, 'proof'>): Promise<MigrateResult> {
    const updateId = `migration:${request.migrationId}`;
    try {
      return await this.committed(processId, await this.answered(() =>
        this.temporal.workflow.getHandle(processId).executeUpdate(migrate, { args: [{ ...request, proof: proofFor(processId, updateId) }], updateId }),
      ));
    } catch (err) {
      throw refusalOf(err, 'The process has ended: there is nothing left to move.');
    }
  }

  /**
   * Starts a migration batch (workflows/migration.ts); one per kind at a time, its workflow id being the
   * lock. Answers false when one of that kind is still running.
   */
  async startMigration(kind: string, migrationId: string, perSecond?: number): Promise<boolean> {
    try {
      await this.whileReachable(() => this.temporal.workflow.start('migrateProcesses', {
        workflowId: `migration:${kind}`,
        taskQueue: this.options.taskQueue,
        args: [{ migrationId, perSecond }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `Migration ${migrationId} of ${kind}`,
        // Read back by runningMigration, to name the migration that holds the kind.
        memo: { migrationId },
      }));
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
  }

  /**
   * The migration whose batch runs for this kind now (its id, when the batch names it), or undefined when
   * none runs: the engine, not the records store, says whether a kind is being migrated.
   */
  async runningMigration(kind: string): Promise<{ migrationId?: string } | undefined> {
    try {
      const described = await this.whileReachable(() => this.temporal.workflow.getHandle(`migration:${kind}`).describe());
      if (described.status.name !== 'RUNNING') return undefined;
      const migrationId = described.memo?.migrationId;
      return { migrationId: typeof migrationId === 'string' ? migrationId : undefined };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Ops' rerun of the billing run (R60) for one month, as the schedule would have run it at `asOf`; a run
   * of that month still going is answered instead of a second one. Bills are named by month, so a rerun
   * issues only the missing ones. Through the product's client, sealed like every other start.
   */
  async startBillRun(month: string, asOf: string): Promise<{ workflowId: string; runId: string }> {
    const workflowId = `partner-bills-rerun:${this.options.taskQueue}:${month}`;
    const handle = await this.temporal.workflow.start('generatePartnerBills', {
      workflowId,
      taskQueue: this.options.taskQueue,
      args: [{ asOf }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Rerun of the ${month} partner bills (ops, through the API)`,
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  }

  /** What a migration plan reads of a running process; undefined when it has ended (no run to ask). */
  async inspect(processId: string): Promise<Inspection | undefined> {
    try {
      return await this.temporal.workflow.getHandle(processId).query(inspect);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Whether an Update of a run completed (true), is unknown to the engine or failed (false: the step it
   * held was never committed), or cannot be told now (undefined): the dispatcher's check of a held step
   * whose caller went away before releasing it.
   */
  async updateCompleted(processId: string, runId: string, updateId: string): Promise<boolean | undefined> {
    if (updateId === startHold) return this.startCommitted(processId, runId);
    try {
      await this.temporal.withDeadline(Date.now() + 5000, () => this.temporal.workflow.getHandle(processId, runId).getUpdateHandle(updateId).result());
      return true;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) return false;
      // The engine answers an Update it never took (in that run) as not found.
      if (err instanceof WorkflowNotFoundError && /update .* not found/i.test(err.message)) return false;
      return undefined;
    }
  }

  /**
   * Whether a run's start step (seq 0) was committed: a query sees only what the engine committed. A run
   * that closed before its first task committed never had it (false); one still starting cannot tell yet.
   */
  private async startCommitted(processId: string, runId: string): Promise<boolean | undefined> {
    const handle = this.temporal.workflow.getHandle(processId, runId);
    try {
      return (await this.temporal.withDeadline(Date.now() + 5000, () => handle.query(liveState))).version >= 0 || undefined;
    } catch {
      const status = await handle.describe().then((d) => d.status.name, () => undefined);
      return status === undefined || status === 'RUNNING' ? undefined : false;
    }
  }

  /** The live state straight from the running workflow (ops and tests; the edge reads the records store). */
  liveState(processId: string): Promise<LiveState> {
    return this.temporal.workflow.getHandle(processId).query(liveState);
  }
}
