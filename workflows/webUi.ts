import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ProcessKind } from '../machines/kind';
import { searchAttributeKeys } from './contract';
import type { OpsView } from './opsView';

type Details = (kind: ProcessKind, view: OpsView, last: { seq: number; event: string; actor: string; at: string }) => string;

/**
 * What ops see of a running process in the Temporal Web UI besides its history. Each search-attribute
 * upsert is a history event, so a step writes only what changed, all in one event; the business state
 * and labels are the workflow's current details, which cost no event at all. The run starts knowing
 * what is already shown: the attributes the client set with the start, or that continue-as-new carried.
 */
export function createWebUiView(details: Details) {
  const attributes = workflowInfo().typedSearchAttributes;
  const due = attributes.get(searchAttributeKeys.reviewDueAt);
  let shown = {
    state: attributes.get(searchAttributeKeys.state) ?? '',
    waitingFor: JSON.stringify(attributes.get(searchAttributeKeys.waitingFor) ?? []),
    dueAt: due ? due.toISOString() : null,
  };

  return {
    /** `kindVersion` when the process moved to another version of its kind (a migration). */
    show(kind: ProcessKind, view: OpsView, last: { seq: number; event: string; actor: string; at: string }, kindVersion?: number) {
      const waiting = JSON.stringify(view.waitingFor);
      const changed = [
        ...(kindVersion !== undefined ? [{ key: searchAttributeKeys.kindVersion, value: kindVersion }] : []),
        ...(view.state !== shown.state ? [{ key: searchAttributeKeys.state, value: view.state }] : []),
        ...(waiting !== shown.waitingFor ? [{ key: searchAttributeKeys.waitingFor, value: view.waitingFor.length ? view.waitingFor : null }] : []),
        ...(view.dueAt !== shown.dueAt ? [{ key: searchAttributeKeys.reviewDueAt, value: view.dueAt ? new Date(view.dueAt) : null }] : []),
      ];
      if (changed.length) upsertSearchAttributes(changed);
      shown = { state: view.state, waitingFor: waiting, dueAt: view.dueAt };
      setCurrentDetails(details(kind, view, last));
    },
  };
}
