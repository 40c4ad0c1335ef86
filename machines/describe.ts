import type { AnyStateNode } from 'xstate';
import { z } from 'zod';
import type { ProcessKind } from './kind';
import type { Labels, Role } from './types';

/** What `GET /v1/kinds/:kind` shows: states, events with JSON Schema, the R24 table and a Mermaid diagram, all read off the machine. */

interface StateDescription {
  id: string;
  label: Labels;
  /** The process ends in this state. */
  final: boolean;
  waitsFor: Role | null;
  /** R24: the events this state takes, and who may send each. */
  allowed: Array<{ event: string; roles: readonly Role[] }>;
}

function leafStates(node: AnyStateNode, prefix = ''): Array<{ path: string; node: AnyStateNode; ancestors: AnyStateNode[] }> {
  const out: Array<{ path: string; node: AnyStateNode; ancestors: AnyStateNode[] }> = [];
  for (const [key, child] of Object.entries(node.states)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Object.keys(child.states).length === 0) out.push({ path, node: child, ancestors: [] });
    else for (const leaf of leafStates(child, path)) out.push({ ...leaf, ancestors: [...leaf.ancestors, child] });
  }
  return out;
}

/** Events a state node (with its ancestors and the root) takes that a person or app may send. */
const eventsTaken = (kind: ProcessKind, nodes: AnyStateNode[]) =>
  Object.keys(kind.events).filter((type) => nodes.some((n) => (n.on?.[type]?.length ?? 0) > 0));

export function describeStates(kind: ProcessKind): StateDescription[] {
  // A state left at once (an unguarded `always`, e.g. choosing the path by who started) is never one a process rests in.
  const resting = (node: AnyStateNode) => !(node.always ?? []).some((t: { guard?: unknown }) => t.guard === undefined);
  return leafStates(kind.machine.root)
    .filter(({ node }) => resting(node))
    .map(({ path, node, ancestors }) => {
      // A final state of one parallel region ends that region only: the process goes on.
      const final = node.type === 'final' && node.parent === kind.machine.root;
      return {
        id: path,
        label: (node.meta as { label: Labels }).label,
        final,
        waitsFor: (node.tags.find((t: string) => t.startsWith('waitsFor:'))?.slice('waitsFor:'.length) as Role | undefined) ?? null,
        allowed: final ? [] : eventsTaken(kind, [node, ...ancestors, kind.machine.root]).map((event) => ({ event, roles: kind.events[event].roles })),
      };
    });
}

/** A label as Mermaid text: `;` ends a statement there, so it is written as Mermaid's entity code. */
export const mermaidText = (text: string) => text.replace(/;/g, '#59;');

export function mermaidOf(kind: ProcessKind): string {
  const lines = ['stateDiagram-v2'];
  const id = (path: string) => path.replace(/\./g, '_');
  const visit = (node: AnyStateNode, prefix: string, indent: string) => {
    const children = Object.entries(node.states);
    // Parallel regions are drawn as Mermaid's concurrent regions, separated by `--`.
    if (node.type === 'parallel') {
      children.forEach(([key, region], i) => {
        if (i > 0) lines.push(`${indent}--`);
        visit(region, prefix ? `${prefix}.${key}` : key, indent);
      });
      return;
    }
    const initial = node.initial?.target[0];
    if (initial) lines.push(`${indent}[*] --> ${id(prefix ? `${prefix}.${initial.key}` : initial.key)}`);
    for (const [key, child] of children) {
      const path = prefix ? `${prefix}.${key}` : key;
      const label = (child.meta as { label?: Labels } | undefined)?.label;
      if (Object.keys(child.states).length > 0) {
        lines.push(`${indent}state ${id(path)} {`);
        visit(child, path, `${indent}  `);
        lines.push(`${indent}}`);
      } else if (label) lines.push(`${indent}${id(path)} : ${mermaidText(label.en)} / ${mermaidText(label['zh-CN'])}`);
      for (const [event, transitions] of Object.entries(child.on ?? {})) {
        const name = kind.events[event] ? event : event.startsWith('xstate.done.state.') ? 'done' : undefined;
        if (!name) continue;
        for (const t of transitions as Array<{ target?: AnyStateNode[] }>)
          for (const target of t.target ?? []) lines.push(`${indent}${id(path)} --> ${id(target.path.join('.'))} : ${name}`);
      }
      // Moves nobody sends: a choice made at once (always) and a configured delay (after).
      for (const t of (child.always ?? []) as Array<{ target?: AnyStateNode[]; guard?: string | { type?: string } }>) {
        const guard = typeof t.guard === 'string' ? t.guard : t.guard?.type;
        for (const target of t.target ?? []) lines.push(`${indent}${id(path)} --> ${id(target.path.join('.'))} : ${guard ?? 'otherwise'}`);
      }
      for (const t of (child.after ?? []) as Array<{ target?: AnyStateNode[]; delay: string | number }>)
        for (const target of t.target ?? []) lines.push(`${indent}${id(path)} --> ${id(target.path.join('.'))} : after ${t.delay}`);
      if (child.type === 'final') lines.push(`${indent}${id(path)} --> [*]`);
    }
  };
  visit(kind.machine.root, '', '  ');
  return lines.join('\n');
}

export function describeKind(kind: ProcessKind) {
  return {
    kind: kind.name,
    version: kind.version,
    title: kind.title,
    startedBy: kind.startRoles,
    oncePerPartner: kind.oncePerPartner,
    input: z.toJSONSchema(kind.input),
    events: Object.entries(kind.events).map(([type, spec]) => ({
      type,
      label: spec.label,
      roles: spec.roles,
      decision: spec.decision ?? false,
      payload: z.toJSONSchema(spec.schema),
    })),
    states: describeStates(kind),
    mermaid: mermaidOf(kind),
  };
}
