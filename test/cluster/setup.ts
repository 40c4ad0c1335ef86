import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { clusterDown, clusterUp, postgresFolder } from '../../scripts/cluster';
import { workflowBundleOptions } from '../../worker/bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's frontend (TEMPORAL_ADDRESS). */
    clusterAddress: string;
    /** The records store on the cluster's PostgreSQL (DATABASE_URL). */
    clusterDatabaseUrl: string;
    /** The data folder the cluster lives in (DATA_DIR/cluster); the fleet's processes share it for keys. */
    clusterDataDir: string;
    clusterTemporalPid: number;
    workflowBundlePath: string;
    payloadKey: string;
  }
}

/**
 * `npm run test:cluster`: one real Temporal cluster for the whole run (the official server on PostgreSQL,
 * as `npm run cluster -- up` starts it, here in a temporary data folder), and the workflows bundled once.
 */
export default async function setup(project: TestProject) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-cluster-'));
  const began = Date.now();
  const cluster = await clusterUp({ dataDir, log: (line) => console.log(`[cluster] ${line}`) });
  console.log(`[cluster] up in ${Math.round((Date.now() - began) / 1000)} s: ${cluster.address}, records ${cluster.databaseUrl}`);
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  const bundlePath = path.join(dataDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  project.provide('clusterAddress', cluster.address);
  project.provide('clusterDatabaseUrl', cluster.databaseUrl);
  project.provide('clusterDataDir', dataDir);
  project.provide('clusterTemporalPid', cluster.temporalPid);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('payloadKey', randomBytes(32).toString('base64'));
  return async () => {
    await clusterDown({ dataDir, log: (line) => console.log(`[cluster] ${line}`) });
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(postgresFolder(dataDir), { recursive: true, force: true });
  };
}
