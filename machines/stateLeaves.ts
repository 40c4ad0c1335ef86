/**
 * The leaf states a state key names, parallel regions apart: `open.(initiation.underReview | jointDesign.notApplied)`
 * → `open.initiation.underReview`, `open.jointDesign.notApplied` (the inverse of `stateKey` in policy.ts).
 * Shared by the API's report and the console's diagram, so it imports nothing.
 */
export function stateLeaves(state: string | null): string[] {
  if (!state) return [];
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < state.length; i++) {
    if (state[i] === '(') depth++;
    else if (state[i] === ')') depth--;
    else if (depth === 0 && state.startsWith(' | ', i)) {
      items.push(state.slice(start, i));
      start = i + 3;
    }
  }
  items.push(state.slice(start));
  return items.flatMap((item) => {
    const open = item.indexOf('(');
    if (open < 0) return [item.trim()];
    const prefix = item.slice(0, open).replace(/\.$/, '');
    return stateLeaves(item.slice(open + 1, item.lastIndexOf(')'))).map((p) => `${prefix}.${p}`);
  });
}
