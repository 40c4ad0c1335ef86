import type { Client } from '@temporalio/client';
import { processIdFor, type ProcessClient } from '../engineClient';
import type { Actor } from '../machines/types';
import { kindOf } from '../machines/registry';
import { searchAttributeKeys, settled } from '../workflows/contract';
import type { BareKind } from './bare/plan';

/**
 * The benchmark's workload: one partner's onboarding (verify, bind email, apply, approval) followed by
 * its three NRE milestones (apply and approval, three times). 2 processes, 12 transitions (2 starts,
 * 10 Updates) per lifecycle. The same lifecycle runs through the product's client and on bare Temporal.
 */

export interface Step {
  actor: Actor;
  action: { type: string } & Record<string, unknown>;
}

export interface ProcessScript {
  kind: BareKind;
  businessKey: string | null;
  input: Record<string, unknown>;
  startedBy: Actor;
  steps: Step[];
}

const system: Actor = { id: 'bench-verifier', role: 'system' };
const reviewer: Actor = { id: 'bench-reviewer', role: 'reviewer' };

export function lifecycle(partnerId: string): ProcessScript[] {
  const partner: Actor = { id: `owner@${partnerId}`, role: 'partner', partnerId };
  const email = `owner@${partnerId}.example`;
  const milestones = [1, 2, 3].flatMap((milestone) => [
    { actor: partner, action: { type: 'APPLY', milestone, materials: [{ name: `Milestone ${milestone} report`, url: 'https://files.example/m.pdf' }] } },
    { actor: reviewer, action: { type: 'APPROVE', comment: `Milestone ${milestone} accepted` } },
  ]);
  return [
    {
      kind: 'partner-onboarding',
      businessKey: null,
      input: { companyName: `Bench ${partnerId}`, contactEmail: email },
      startedBy: partner,
      steps: [
        { actor: system, action: { type: 'REAL_NAME_VERIFIED' } },
        { actor: partner, action: { type: 'BIND_EMAIL', email } },
        { actor: partner, action: { type: 'SUBMIT', program: 'solution-provider' } },
        { actor: reviewer, action: { type: 'APPROVE', comment: 'Welcome aboard' } },
      ],
    },
    { kind: 'nre-milestones', businessKey: 'bench', input: { project: 'bench' }, startedBy: partner, steps: milestones },
  ];
}

export const processesPerLifecycle = 2;
export const transitionsPerLifecycle = lifecycle('x').reduce((n, p) => n + 1 + p.steps.length, 0);

/** How one side starts a process, sends it an action, and waits for it to end. */
export interface Driver {
  start(script: ProcessScript, partnerId: string): Promise<string>;
  act(processId: string, step: Step): Promise<void>;
  finished(processId: string): Promise<void>;
}

/** The product: its own client, the same calls the HTTP API's routes make after authentication and zod. */
export function productDriver(processes: ProcessClient): Driver {
  return {
    async start(script, partnerId) {
      const kind = kindOf(script.kind)!;
      const processId = processIdFor(kind, partnerId, script.businessKey ?? undefined);
      await processes.start({ kind, processId, partnerId, businessKey: script.businessKey, input: script.input, startedBy: script.startedBy });
      return processId;
    },
    async act(processId, step) {
      await processes.act(processId, { action: step.action, actor: step.actor });
    },
    finished: (processId) => processes.temporal.workflow.getHandle(processId).result(),
  };
}

/**
 * Bare Temporal: a start, the same `settled` Update the product's client sends after it, then the actions.
 * With `searchAttributes`, it starts with and writes the search attributes the product writes for ops.
 */
export function bareDriver(temporal: Client, taskQueue: string, opts: { searchAttributes?: boolean; floor?: boolean } = {}): Driver {
  return {
    async start(script, partnerId) {
      const workflowId = `bare:${script.kind}:${partnerId}`;
      const typedSearchAttributes = opts.searchAttributes
        ? [
            { key: searchAttributeKeys.kind, value: script.kind },
            { key: searchAttributeKeys.partner, value: partnerId },
            { key: searchAttributeKeys.state, value: 'opened' },
            { key: searchAttributeKeys.waitingFor, value: ['partner'] },
          ]
        : undefined;
      const handle = await temporal.workflow.start(opts.floor ? 'bareFloorProcess' : 'bareProcess', {
        workflowId,
        taskQueue,
        args: [{ kind: script.kind, searchAttributes: opts.searchAttributes }],
        typedSearchAttributes,
      });
      await handle.executeUpdate(settled);
      return workflowId;
    },
    async act(processId, step) {
      await temporal.workflow.getHandle(processId).executeUpdate('act', { args: [{ action: step.action, actor: step.actor }] });
    },
    finished: (processId) => temporal.workflow.getHandle(processId).result(),
  };
}

/** Runs `count` lifecycles, `concurrency` at a time; returns each Update's latency in ms. */
export async function drive(driver: Driver, partnerIds: string[], concurrency: number): Promise<{ latencies: number[]; processIds: string[][] }> {
  const latencies: number[] = [];
  const processIds: string[][] = [];
  let next = 0;
  const lane = async () => {
    while (next < partnerIds.length) {
      const index = next++;
      const ids: string[] = [];
      for (const script of lifecycle(partnerIds[index])) {
        const id = await driver.start(script, partnerIds[index]);
        ids.push(id);
        for (const step of script.steps) {
          const began = performance.now();
          await driver.act(id, step);
          latencies.push(performance.now() - began);
        }
        await driver.finished(id);
      }
      processIds[index] = ids;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, partnerIds.length) }, lane));
  return { latencies, processIds };
}
