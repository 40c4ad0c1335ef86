/**
 * Builds pinned Go programs with `go install` into a cache folder outside the checkout, once: several
 * processes may ask at the same time, one builds and the others wait for it. The Temporal CLI
 * (scripts/temporalCli.ts) and the Temporal server (scripts/temporalServer.ts) are built this way,
 * because these machines cannot download release binaries at run time (DESIGN.md, "Real components").
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { isAlive } from './processes';

export type Log = (line: string) => void;
export const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

const LOCK_POLL_MS = 500;

/** `${XDG_CACHE_HOME ?? ~/.cache}/partnerflow`: outside the checkout, so a fresh clone reuses the build. */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'partnerflow');
}

export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface GoBuild {
  /** What is built, for people: "the Temporal CLI v1.5.1". */
  what: string;
  /** Names the lock and the staging folder in the cache root. */
  lockName: string;
  /** `module/path/cmd@version` for `go install`, one per program. */
  packages: string[];
  /** Where each program goes: the binary `go install` names after the package's last element → the cached file. */
  outputs: Array<{ built: string; target: string }>;
  /** Shown before the build starts: how long it takes. */
  expectation: string;
  /** Every line of `go install -v` (the CLI), or a count every `progressEveryMs` (the server: ~2,000 packages). */
  progress: 'lines' | { everyMs: number };
  /** How long a waiter waits for another process's build. */
  waitMs: number;
  /** Extra words for the error when `go` is missing. */
  missingGoHint: string;
}

const allBuilt = (build: GoBuild) => build.outputs.every((o) => isExecutableFile(o.target));

/** Builds unless every output is there already; concurrent callers build once. */
export async function buildUnderLock(build: GoBuild, log: Log): Promise<void> {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const lock = path.join(cacheRoot(), `${build.lockName}.lock`);
  const deadline = Date.now() + build.waitMs;
  let told = false;
  for (;;) {
    if (allBuilt(build)) return;
    const fd = tryLock(lock);
    if (fd !== undefined) {
      try {
        // Another process may have finished between our check and taking the lock.
        if (allBuilt(build)) return;
        await goInstall(build, log);
        return;
      } finally {
        fs.closeSync(fd);
        fs.rmSync(lock, { force: true });
      }
    }
    if (!told) {
      log(`Another process is building ${build.what} (lock ${lock}); waiting for it.`);
      told = true;
    }
    if (Date.now() > deadline) throw new Error(`Gave up waiting for the build of ${build.what}: the lock ${lock} was held for too long.`);
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

/** Builds into a temporary GOBIN, then renames, so a half-built binary is never found. */
async function goInstall(build: GoBuild, log: Log): Promise<void> {
  const staging = fs.mkdtempSync(path.join(cacheRoot(), `.${build.lockName}-build-`));
  try {
    log(`Building ${build.what} from source with Go into ${path.dirname(build.outputs[0].target)}; ${build.expectation}`);
    await runGo(['install', '-v', ...build.packages], { ...process.env, GOBIN: staging }, build, log);
    for (const { built, target } of build.outputs) {
      const file = path.join(staging, built);
      if (!isExecutableFile(file)) throw new Error(`go install finished but ${file} is missing.`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(file, target);
    }
    log(`Built ${build.what}: ${build.outputs.map((o) => o.target).join(', ')}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function runGo(args: string[], env: NodeJS.ProcessEnv, build: GoBuild, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const began = Date.now();
    let packages = 0;
    let last = '';
    const ticker =
      build.progress === 'lines'
        ? undefined
        : setInterval(() => log(`  … ${Math.round((Date.now() - began) / 1000)} s, ${packages} packages compiled so far (last: ${last || 'downloading modules'})`), build.progress.everyMs);
    const forward = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (build.progress === 'lines') log(`go: ${line}`);
      else if (!line.startsWith('go: ')) {
        packages++;
        last = line;
      }
    };
    readline.createInterface({ input: child.stdout }).on('line', forward);
    readline.createInterface({ input: child.stderr }).on('line', forward);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearInterval(ticker);
      reject(err.code === 'ENOENT' ? new Error(`Cannot build ${build.what}: the Go toolchain ('go') is not on PATH. Install Go, ${build.missingGoHint}`) : err);
    });
    child.on('close', (code, signal) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`Building ${build.what} failed: go ${args.join(' ')} exited with ${signal ?? `code ${code}`}.\n${tail.join('\n')}`));
    });
  });
}
