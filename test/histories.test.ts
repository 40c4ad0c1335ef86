import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { registry } from '../machines/registry';
import { historyFolder, loadHistories } from './support/histories';

/**
 * Replay safety: the committed histories of every kind and version (recorded by `npm run record-histories`)
 * replay against today's driver and machines. A change that would break processes already running fails here.
 */
describe('recorded histories', () => {
  const histories = loadHistories();

  it('are committed for the current version of every kind', () => {
    const folders = new Set(histories.map((h) => h.folder));
    const missing = Object.values(registry)
      .map(historyFolder)
      .filter((folder) => !folders.has(folder));
    expect(missing, 'record them with `npm run record-histories`').toEqual([]);
  });

  it('replay against the current workflow code without nondeterminism', async () => {
    const results = [];
    // Replayed one after another, in the order given: the i-th result is the i-th history's.
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories))
      results.push([histories[results.length].name, result.error?.message]);
    expect(results).toEqual(histories.map((h) => [h.name, undefined]));
  }, 300_000);
});
