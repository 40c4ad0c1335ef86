import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cluster suite runs on a cluster of its own: npm run test:cluster (vitest.cluster.config.ts).
    exclude: ['test/cluster/**', 'node_modules/**'],
    // One Temporal dev server (and one workflow bundle) per test run, shared by every file.
    globalSetup: ['test/support/globalSetup.ts', 'test/support/postgresSetup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print the plain 'N passed, N failed' line CI reads.
    reporters: ['default', ['json', { outputFile: '.artifacts/vitest.json' }]],
  },
});
