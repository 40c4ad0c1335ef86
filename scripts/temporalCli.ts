/**
 * Finds the Temporal CLI (it holds the dev server and the Web UI), building the pinned release with Go
 * when no copy exists: these machines cannot download it at run time (DESIGN.md, "Real components").
 */
import path from 'node:path';
import { buildUnderLock, cacheRoot, isExecutableFile, stderrLog, type Log } from './goBuild';

export { cacheRoot } from './goBuild';

/** Later tags carry a `replace` directive in go.mod and cannot be built with `go install`. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** A build on a cold Go cache takes minutes; a waiter gives up well after that. */
const LOCK_WAIT_MS = 30 * 60_000;

/** Where the built CLI lives. */
export function cachedCliPath(): string {
  return path.join(cacheRoot(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/** Returns the path of the Temporal CLI: TEMPORAL_CLI_PATH, then PATH, then the cache, else builds it. */
export async function findOrBuildTemporalCli(log: Log = stderrLog): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) {
      throw new Error(
        `TEMPORAL_CLI_PATH is set to ${fromEnv}, which is not an executable file; ` +
          'point it at the temporal binary or unset it.',
      );
    }
    return fromEnv;
  }
  const found = onPath('temporal');
  if (found) return found;
  const cached = cachedCliPath();
  if (isExecutableFile(cached)) return cached;
  await buildUnderLock(
    {
      what: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
      lockName: `temporal-cli-${TEMPORAL_CLI_VERSION}`,
      packages: [`${MODULE}@${TEMPORAL_CLI_VERSION}`],
      outputs: [{ built: 'temporal', target: cached }],
      expectation: 'the first build takes several minutes.',
      progress: 'lines',
      waitMs: LOCK_WAIT_MS,
      missingGoHint: 'or set TEMPORAL_CLI_PATH to an existing temporal binary.',
    },
    log,
  );
  return cached;
}

if (require.main === module) {
  findOrBuildTemporalCli().then(
    (cli) => console.log(cli),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
