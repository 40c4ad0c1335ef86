import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { freePort, startDevServer } from '../../scripts/devServer';
import { workflowBundleOptions } from '../../worker/bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiUrl: string;
    workflowBundlePath: string;
    /** One payload key for the run: every product shares the namespace, and ops' list queries read every memo. */
    payloadKey: string;
  }
}

/** Starts the real Temporal dev server once for the whole run, on free ports, and bundles the workflows once. */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-test-'));
  const server = await startDevServer({ dataDir: dir, port: await freePort(), uiPort: await freePort(), log: (line) => console.log(`[temporal] ${line}`) });
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  project.provide('temporalAddress', server.address);
  project.provide('temporalUiUrl', server.uiUrl);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('payloadKey', randomBytes(32).toString('base64'));
  return async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
