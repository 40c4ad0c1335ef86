/**
 * Finds the Temporal CLI (it holds the dev server) and the other single-binary Go tools the project runs,
 * building the pinned release with Go when no copy exists: these machines cannot download them at run
 * time (DESIGN.md, "Real components").
 */
import path from 'node:path';
import { buildUnderLock, cacheRoot, isExecutableFile, stderrLog, type Log } from './goBuild';

export { cacheRoot } from './goBuild';

/** Later tags carry a `replace` directive in go.mod and cannot be built with `go install`. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** A build on a cold Go cache takes minutes; a waiter gives up well after that. */
const LOCK_WAIT_MS = 30 * 60_000;

/** A Go program the project runs, pinned to a release it can build with `go install` when no copy exists. */
export interface GoTool {
  /** What people call it, in messages: "the Temporal CLI". */
  label: string;
  /** The variable naming a copy to use instead. */
  envVar: string;
  /** The name to look for on PATH, if any. */
  onPath?: string;
  module: string;
  version: string;
  /** The folder in the cache (`<cacheDir>/<binary>`) and the lock's name. */
  cacheDir: string;
  /** The file `go install` writes into GOBIN. */
  binary: string;
}

export const temporalCliTool: GoTool = {
  label: 'the Temporal CLI',
  envVar: 'TEMPORAL_CLI_PATH',
  onPath: 'temporal',
  module: 'github.com/temporalio/cli/cmd/temporal',
  version: TEMPORAL_CLI_VERSION,
  cacheDir: `temporal-cli-${TEMPORAL_CLI_VERSION}`,
  binary: 'temporal',
};

const cachedPath = (tool: GoTool) => path.join(cacheRoot(), tool.cacheDir, tool.binary);

/** Where the built CLI lives. */
export function cachedCliPath(): string {
  return cachedPath(temporalCliTool);
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
export function findOrBuildTemporalCli(log: Log = stderrLog): Promise<string> {
  return findOrBuildGoTool(temporalCliTool, log);
}

/** A Go tool: its variable, then PATH, then the cache, else built from its pinned release. */
export async function findOrBuildGoTool(tool: GoTool, log: Log = stderrLog): Promise<string> {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutableFile(fromEnv))
      throw new Error(`${tool.envVar} is set to ${fromEnv}, which is not an executable file; point it at the ${tool.binary} binary or unset it.`);
    return fromEnv;
  }
  const found = tool.onPath ? onPath(tool.onPath) : undefined;
  if (found) return found;
  const cached = cachedPath(tool);
  if (isExecutableFile(cached)) return cached;
  await buildUnderLock(
    {
      what: `${tool.label} ${tool.version}`,
      lockName: tool.cacheDir,
      packages: [`${tool.module}@${tool.version}`],
      outputs: [{ built: tool.binary, target: cached }],
      expectation: 'the first build takes several minutes.',
      progress: 'lines',
      waitMs: LOCK_WAIT_MS,
      missingGoHint: `or set ${tool.envVar} to an existing ${tool.binary} binary.`,
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
