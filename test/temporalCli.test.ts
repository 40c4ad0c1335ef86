import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedCliPath, findOrBuildTemporalCli, TEMPORAL_CLI_VERSION } from '../scripts/temporalCli';

/** Writes an executable shell script; the scripts set their own PATH because the tests empty it. */
function script(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\nPATH=/usr/bin:/bin\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('finding the Temporal CLI', () => {
  const saved = { ...process.env };
  let dir: string;
  let emptyPath: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-cli-'));
    emptyPath = path.join(dir, 'empty-bin');
    fs.mkdirSync(emptyPath);
    // Nothing found anywhere unless a test puts it there.
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.PATH = emptyPath;
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  });

  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uses TEMPORAL_CLI_PATH when it is set and names an executable', async () => {
    const own = script(path.join(dir, 'own', 'temporal'), 'exit 0');
    script(path.join(emptyPath, 'temporal'), 'exit 0');
    script(cachedCliPath(), 'exit 0');
    process.env.TEMPORAL_CLI_PATH = own;
    expect(await findOrBuildTemporalCli(() => {})).toBe(own);
  });

  it('names TEMPORAL_CLI_PATH in the error when that file does not exist', async () => {
    process.env.TEMPORAL_CLI_PATH = path.join(dir, 'no-such-temporal');
    await expect(findOrBuildTemporalCli(() => {})).rejects.toThrow(/TEMPORAL_CLI_PATH/);
  });

  it('names TEMPORAL_CLI_PATH in the error when that file is not executable', async () => {
    const file = path.join(dir, 'temporal');
    fs.writeFileSync(file, 'not a program', { mode: 0o644 });
    process.env.TEMPORAL_CLI_PATH = file;
    await expect(findOrBuildTemporalCli(() => {})).rejects.toThrow(/TEMPORAL_CLI_PATH/);
  });

  it('prefers temporal on PATH over the cached copy', async () => {
    const onPath = script(path.join(emptyPath, 'temporal'), 'exit 0');
    script(cachedCliPath(), 'exit 0');
    expect(await findOrBuildTemporalCli(() => {})).toBe(onPath);
  });

  it('finds the copy built earlier in the cache folder when nothing else is set', async () => {
    const cached = script(cachedCliPath(), 'exit 0');
    expect(cached).toBe(path.join(dir, 'cache', 'partnerflow', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal'));
    expect(await findOrBuildTemporalCli(() => {})).toBe(cached);
  });

  it('builds with go install only once when several callers ask at the same time', async () => {
    // A stand-in for go: records each call, then "builds" slowly into GOBIN.
    const calls = path.join(dir, 'go-calls');
    script(
      path.join(emptyPath, 'go'),
      `echo "$@" >> ${calls}\necho "github.com/temporalio/cli/cmd/temporal" >&2\nsleep 1\n` +
        `printf '#!/bin/sh\\n' > "$GOBIN/temporal" && chmod 755 "$GOBIN/temporal"`,
    );
    const lines: string[] = [];
    const results = await Promise.all([1, 2, 3].map(() => findOrBuildTemporalCli((line) => lines.push(line))));
    expect(results).toEqual([cachedCliPath(), cachedCliPath(), cachedCliPath()]);
    expect(fs.readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
      `install -v github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`,
    ]);
    expect(lines.some((line) => line.includes('several minutes'))).toBe(true);
    expect(lines).toContain('go: github.com/temporalio/cli/cmd/temporal');
    // No staging folder or lock is left behind.
    expect(fs.readdirSync(path.join(dir, 'cache', 'partnerflow')).sort()).toEqual([`temporal-cli-${TEMPORAL_CLI_VERSION}`]);
  });

  it('says that Go is missing when it has to build and go is not on PATH', async () => {
    await expect(findOrBuildTemporalCli(() => {})).rejects.toThrow(/Go toolchain \('go'\) is not on PATH/);
  });
});
