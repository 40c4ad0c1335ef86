import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the product at scale on a real Temporal cluster (test/cluster/setup.ts), with
 * two worker and two API processes and PostgreSQL records. One file at a time: they share the cluster
 * and its task queue, as a deployment does.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    reporters: ['default', ['json', { outputFile: '.artifacts/vitest-cluster.json' }]],
  },
});
