/**
 * The console's model of a kind, as `GET /v1/kinds/:kind` describes it, and the pure readings of it the
 * screens need (no DOM here, so the tests can run these in Node).
 */
import type { JsonSchema, KindDescription, Labels } from '../../api/schemas';
import { stateLeaves } from '../../machines/stateLeaves';

/** The API's own types (api/schemas.ts), imported as types only: nothing of them reaches the bundle. */
export type { JsonSchema, KindDescription, Labels };
export type Lang = keyof Labels;

/**
 * The leaf state paths a view's `state` names: `underReview` → [underReview];
 * `open.(initiation.underReview | jointDesign.notApplied)` → [open.initiation.underReview, open.jointDesign.notApplied]
 * (the API joins parallel regions with ` | ` inside parentheses).
 */
export const leafPaths = (state: string): string[] => stateLeaves(state);

/** A state key as a person reads it: the labels of its leaf states, or the key itself for one the kind does not list. */
export function stateLabel(kind: KindDescription | undefined, state: string, lang: keyof Labels): string {
  if (!state) return '';
  return leafPaths(state)
    .map((path) => kind?.states.find((s) => s.id === path)?.label[lang] ?? path)
    .join(lang === 'en' ? '; ' : '；');
}

const mermaidId = (path: string) => path.replace(/\./g, '_');
/** `;` ends a statement in Mermaid, so a label's own is written as Mermaid's entity code. */
const mermaidText = (text: string) => text.replace(/;/g, '#59;');

/**
 * The kind's Mermaid diagram (from `GET /v1/kinds/:kind`) in the chosen language, with the states the
 * process is in now marked by a `classDef`/`class` line. The API writes each state as `id : en / zh-CN`
 * and each move as `from --> to : EVENT`; both are put into the reader's language.
 */
export function diagramText(kind: KindDescription, state: string, lang: Lang): string {
  const states = new Map(kind.states.map((s) => [mermaidId(s.id), mermaidText(s.label[lang])]));
  const events = new Map(kind.events.map((e) => [e.type, mermaidText(e.label[lang])]));
  const lines = kind.mermaid.split('\n').map((line) => {
    const described = line.match(/^(\s*)(\w+) : (.*)$/);
    if (described && states.has(described[2])) return `${described[1]}${described[2]} : ${states.get(described[2])}`;
    const move = line.match(/^(.* --> .* : )(\w+)$/);
    if (move && events.has(move[2])) return `${move[1]}${events.get(move[2])}`;
    return line;
  });
  const current = state ? leafPaths(state).map(mermaidId).filter((id) => states.has(id)) : [];
  if (current.length) {
    lines.push('  classDef current fill:#ffd54f,stroke:#e65100,stroke-width:3px,color:#000,font-weight:bold');
    lines.push(`  class ${current.join(',')} current`);
  }
  return lines.join('\n');
}

/** A migration's plan and progress, as the API's own schemas type them. */
export type { Migration, MigrationPlan } from '../../api/schemas';
