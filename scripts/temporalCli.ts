/**
 * Finds the Temporal CLI (it holds the dev server and the Web UI), building the pinned release with Go
 * when no copy exists: these machines cannot download it at run time (DESIGN.md, "Real components").
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/** Later tags carry a `replace` directive in go.mod and cannot be built with `go install`. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

const LOCK_POLL_MS = 500;
/** A build on a cold Go cache takes minutes; a waiter gives up well after that. */
const LOCK_WAIT_MS = 30 * 60_000;

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

/** `${XDG_CACHE_HOME ?? ~/.cache}/partnerflow`: outside the checkout, so a fresh clone reuses the build. */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'partnerflow');
}

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
  module: MODULE,
  version: TEMPORAL_CLI_VERSION,
  cacheDir: `temporal-cli-${TEMPORAL_CLI_VERSION}`,
  binary: 'temporal',
};

const cachedPath = (tool: GoTool) => path.join(cacheRoot(), tool.cacheDir, tool.binary);

/** Where the built CLI lives. */
export function cachedCliPath(): string {
  return cachedPath(temporalCliTool);
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
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
    if (!isExecutableFile(fromEnv)) {
      throw new Error(
        `${tool.envVar} is set to ${fromEnv}, which is not an executable file; ` +
          `point it at the ${tool.binary} binary or unset it.`,
      );
    }
    return fromEnv;
  }
  const found = tool.onPath ? onPath(tool.onPath) : undefined;
  if (found) return found;
  const cached = cachedPath(tool);
  if (isExecutableFile(cached)) return cached;
  return buildUnderLock(tool, cached, log);
}

/** Several test processes may start at once: one builds, the others wait for its result. */
async function buildUnderLock(tool: GoTool, target: string, log: Log): Promise<string> {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const lock = path.join(cacheRoot(), `${tool.cacheDir}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    if (isExecutableFile(target)) return target;
    const fd = tryLock(lock);
    if (fd !== undefined) {
      try {
        // Another process may have finished between our check and taking the lock.
        if (isExecutableFile(target)) return target;
        await build(tool, target, log);
        return target;
      } finally {
        fs.closeSync(fd);
        fs.rmSync(lock, { force: true });
      }
    }
    if (!told) {
      log(`Another process is building ${tool.label} (lock ${lock}); waiting for it.`);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new Error(`Gave up waiting for the build of ${tool.label}: the lock ${lock} was held for too long.`);
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Takes the lock file, or returns undefined when a live process holds it (a dead holder's lock is removed). */
function tryLock(lock: string): number | undefined {
  try {
    const fd = fs.openSync(lock, 'wx');
    fs.writeSync(fd, String(process.pid));
    return fd;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number(readOrEmpty(lock));
  const dead = holder > 0 ? !isAlive(holder) : ageMs(lock) > 10_000; // empty: the holder died before writing
  if (dead) fs.rmSync(lock, { force: true });
  return undefined;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds into a temporary GOBIN, then renames, so a half-built binary is never found. */
async function build(tool: GoTool, target: string, log: Log): Promise<void> {
  const staging = fs.mkdtempSync(path.join(cacheRoot(), `.${tool.cacheDir}-build-`));
  try {
    log(`Building ${tool.label} ${tool.version} from source with Go into ${path.dirname(target)}; the first build takes several minutes.`);
    await runGo(tool, ['install', '-v', `${tool.module}@${tool.version}`], { ...process.env, GOBIN: staging }, log);
    const built = path.join(staging, tool.binary);
    if (!isExecutableFile(built)) throw new Error(`go install finished but ${built} is missing.`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(built, target);
    log(`Built ${tool.label}: ${target}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function runGo(tool: GoTool, args: string[], env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const forward = (line: string) => {
      log(`go: ${line}`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    };
    readline.createInterface({ input: child.stdout }).on('line', forward);
    readline.createInterface({ input: child.stderr }).on('line', forward);
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new Error(
              `Cannot build ${tool.label}: the Go toolchain ('go') is not on PATH. Install Go, ` +
                `or set ${tool.envVar} to an existing ${tool.binary} binary.`,
            )
          : err,
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `Building ${tool.label} failed: go ${args.join(' ')} exited with ${signal ?? `code ${code}`}.\n` +
              tail.join('\n'),
          ),
        );
    });
  });
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
