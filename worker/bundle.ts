import path from 'node:path';

/**
 * How the workflows are bundled, the same for `npm start`, the tests and the benchmark.
 *
 * The worker reuses one V8 context for all workflows, but evaluates the bundle's modules afresh for each
 * workflow it loads, unless they are preloaded: then they are evaluated once and deep-frozen. xstate
 * keeps no per-workflow state at module level (it caches in WeakMaps), so it is shared. The machines
 * are shared too, built on first use rather than frozen (workflows/sharedPolicy.ts says why).
 * The replay tests run on this bundle.
 */
export const workflowsPath = path.join(__dirname, '../workflows/index.ts');

export const workflowBundleOptions = {
  workflowsPath,
  preloadModules: ['xstate', path.join(__dirname, '../workflows/sharedPolicy.ts')],
};
