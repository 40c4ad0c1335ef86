/**
 * Finds the official Temporal server and its SQL schema tool, building the pinned release with Go when
 * no copy exists (`npm run cluster` runs them). Like the CLI, they cannot be downloaded on these
 * machines; the build is cached outside the checkout and takes about 18 minutes on two busy cores once.
 */
import path from 'node:path';
import { buildUnderLock, cacheRoot, isExecutableFile, stderrLog, type Log } from './goBuild';

/**
 * v1.32.2 and later need a newer Go than these machines have (they would fetch one with GOTOOLCHAIN=auto);
 * v1.32.1's go.mod has no `replace`, so `go install` builds it.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.32.1';
const SERVER = 'go.temporal.io/server/cmd/server';
const SQL_TOOL = 'go.temporal.io/server/cmd/tools/sql';

/** A cold build takes ~18 min on two busy cores; a waiter gives up well after that. */
const LOCK_WAIT_MS = 60 * 60_000;

export interface TemporalServerBinaries {
  /** `temporal-server --config-file … start --service …` */
  server: string;
  /** `temporal-sql-tool`: creates databases and applies the schemas embedded in it (`--schema-name postgresql/v12/…`). */
  sqlTool: string;
}

export function cachedServerBinaries(): TemporalServerBinaries {
  const dir = path.join(cacheRoot(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  return { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool') };
}

/** TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH (both), else the cache, else builds both. */
export async function findOrBuildTemporalServer(log: Log = stderrLog): Promise<TemporalServerBinaries> {
  const server = process.env.TEMPORAL_SERVER_PATH;
  const sqlTool = process.env.TEMPORAL_SQL_TOOL_PATH;
  if (server || sqlTool) {
    for (const [name, file] of [['TEMPORAL_SERVER_PATH', server], ['TEMPORAL_SQL_TOOL_PATH', sqlTool]] as const) {
      if (!file || !isExecutableFile(file)) {
        throw new Error(`${name} is ${file ? `set to ${file}, which is not an executable file` : 'unset'}; set both TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH to built binaries, or neither.`);
      }
    }
    return { server: server!, sqlTool: sqlTool! };
  }
  const cached = cachedServerBinaries();
  await buildUnderLock(
    {
      what: `the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool`,
      lockName: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
      packages: [`${SERVER}@${TEMPORAL_SERVER_VERSION}`, `${SQL_TOOL}@${TEMPORAL_SERVER_VERSION}`],
      outputs: [
        { built: 'server', target: cached.server },
        { built: 'sql', target: cached.sqlTool },
      ],
      expectation: 'the first build compiles about 1,500 packages and takes about 18 minutes on two busy cores; progress follows every 30 s.',
      progress: { everyMs: 30_000 },
      waitMs: LOCK_WAIT_MS,
      missingGoHint: 'or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH to built binaries.',
    },
    log,
  );
  return cached;
}

if (require.main === module) {
  findOrBuildTemporalServer().then(
    (found) => console.log(`${found.server}\n${found.sqlTool}`),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
