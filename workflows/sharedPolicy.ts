/**
 * The machines, built once per worker and shared by every workflow it runs.
 *
 * The SDK evaluates a bundle's modules afresh for each workflow it loads, unless they are preloaded;
 * preloaded modules are deep-frozen, which zod cannot bear (it writes `lastIndex` on its regular
 * expressions and caches on its schemas). So this module is preloaded (worker/bundle.ts) but loads
 * the policy lazily, on the first workflow's first call: its modules are evaluated once, unfrozen, and
 * every later workflow reuses them instead of building ten machines and their schemas again. Sharing is
 * safe because machines are pure: no module of machines/ keeps state, and their results depend only on
 * their arguments.
 */
type Policy = typeof import('./policy');

let loaded: Policy | undefined;

export function policy(): Policy {
  // A require inside the function: webpack bundles the module but evaluates it only when this runs.
  return (loaded ??= require('./policy') as Policy);
}
