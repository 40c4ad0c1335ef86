/**
 * Work outside the process whose outcome the process needs (open a cloud account, send a verification
 * code). A machine asks for it with the `perform` action; the driver runs it as an activity, keyed by the
 * process and the step that asked, so a retry never does it twice, and feeds the outcome back as an event
 * sent by the system. A failure the caller should know of is an outcome event too, never an exception.
 */
export interface Operation {
  /** The activity's name for it, e.g. `openCloudAccount`. */
  name: string;
  input: Record<string, unknown>;
}

/** What an operation answers: the event the driver sends back to the process. */
export type OperationOutcome = { type: string } & Record<string, unknown>;

export const operationEffects = {
  perform: (_: unknown, _params: Operation) => {},
};
