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

/** Where the built CLI lives. */
export function cachedCliPath(): string {
  return path.join(cacheRoot(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
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
  return buildUnderLock(cached, log);
}

/** Several test processes may start at once: one builds, the others wait for its result. */
async function buildUnderLock(target: string, log: Log): Promise<string> {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const lock = path.join(cacheRoot(), `temporal-cli-${TEMPORAL_CLI_VERSION}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    if (isExecutableFile(target)) return target;
    const fd = tryLock(lock);
    if (fd !== undefined) {
      try {
        // Another process may have finished between our check and taking the lock.
        if (isExecutableFile(target)) return target;
        await build(target, log);
        return target;
      } finally {
        fs.closeSync(fd);
        fs.rmSync(lock, { force: true });
      }
    }
    if (!told) {
      log(`Another process is building the Temporal CLI (lock ${lock}); waiting for it.`);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new Error(`Gave up waiting for the Temporal CLI build: the lock ${lock} was held for too long.`);
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
async function build(target: string, log: Log): Promise<void> {
  const staging = fs.mkdtempSync(path.join(cacheRoot(), `.temporal-cli-build-`));
  try {
    log(
      `Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from source with Go into ${path.dirname(target)}; ` +
        'the first build takes several minutes.',
    );
    await runGo(['install', '-v', `${MODULE}@${TEMPORAL_CLI_VERSION}`], { ...process.env, GOBIN: staging }, log);
    const built = path.join(staging, 'temporal');
    if (!isExecutableFile(built)) throw new Error(`go install finished but ${built} is missing.`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(built, target);
    log(`Built the Temporal CLI: ${target}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function runGo(args: string[], env: NodeJS.ProcessEnv, log: Log): Promise<void> {
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
              `Cannot build the Temporal CLI: the Go toolchain ('go') is not on PATH. Install Go, ` +
                `or set TEMPORAL_CLI_PATH to an existing temporal binary.`,
            )
          : err,
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `Building the Temporal CLI failed: go ${args.join(' ')} exited with ${signal ?? `code ${code}`}.\n` +
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
