import { createMachine, type AnyStateMachine } from 'xstate';

/**
 * A new version of a kind's machine, as the changes to the one before: its states, context and
 * implementations, with these replaced or added. A version's file then holds only what it changes, so a
 * reviewer reads exactly what differs. Typing is by the caller's own annotations: XState types a machine
 * from one `setup`, and a version spans two.
 */
export function revise(
  earlier: AnyStateMachine,
  change: {
    context?: (args: { input: any }) => unknown;
    states: Record<string, unknown>;
    actions?: Record<string, unknown>;
    guards?: Record<string, unknown>;
    delays?: Record<string, unknown>;
  },
): AnyStateMachine {
  const { actions = {}, guards = {}, delays = {} } = earlier.implementations;
  return createMachine(
    { ...earlier.config, ...(change.context ? { context: change.context } : {}), states: { ...earlier.config.states, ...change.states } } as any,
    {
      ...earlier.implementations,
      actions: { ...actions, ...change.actions },
      guards: { ...guards, ...change.guards },
      delays: { ...delays, ...change.delays },
    } as any,
  );
}
