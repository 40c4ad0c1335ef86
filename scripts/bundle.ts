/**
 * `npm run bundle [-- FILE]`: the workflows bundled ahead of time (default dist/workflow-bundle.js), for
 * WORKFLOW_BUNDLE: a worker that loads a prebuilt bundle starts in seconds instead of bundling at start,
 * which matters when many workers start or restart at once. Rebuild it with every deploy of the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowBundleOptions } from '../worker/bundle';

async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '../dist/workflow-bundle.js'));
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`${out} (${Math.round(code.length / 1024)} kB): set WORKFLOW_BUNDLE=${out} for npm run worker`);
}

main().catch((error: Error) => {
  console.error(`npm run bundle: ${error.message}`);
  process.exit(1);
});
