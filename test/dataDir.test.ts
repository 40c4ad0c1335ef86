import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresFolder } from '../scripts/cluster';
import { closedAncestor } from '../scripts/postgresServer';
import { secureDataDir } from '../store/dataDir';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('the data folder and the cluster\'s PostgreSQL folder', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  function parent() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-datadir-'));
    fs.chmodSync(dir, 0o755);
    made.push(dir);
    return dir;
  }

  it('closes DATA_DIR and everything in it to its owner (0700 / 0600), also what an earlier release left open', () => {
    const dataDir = path.join(parent(), 'data');
    fs.mkdirSync(path.join(dataDir, 'cluster'), { recursive: true, mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    fs.writeFileSync(path.join(dataDir, 'dev-keys.json'), '{}', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'cluster', 'temporal.log'), '', { mode: 0o644 });
    secureDataDir(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'cluster'))).toBe(0o700);
    expect(mode(path.join(dataDir, 'dev-keys.json'))).toBe(0o600);
    expect(mode(path.join(dataDir, 'cluster', 'temporal.log'))).toBe(0o600);
  });

  it('as root, PostgreSQL (run as the postgres user) still reaches its folder after a part closed DATA_DIR', () => {
    const dataDir = path.join(parent(), 'data');
    secureDataDir(dataDir);
    const folder = postgresFolder(dataDir, true);
    fs.mkdirSync(folder, { mode: 0o700 });
    fs.writeFileSync(path.join(folder, 'postgres.log'), '', { mode: 0o644 });
    secureDataDir(dataDir); // a worker or API starting after `cluster up`
    expect(closedAncestor(folder)).toBeUndefined();
    expect(folder.startsWith(dataDir + path.sep)).toBe(false);
    // The product's own folder stays its owner's, and PostgreSQL's files are left to PostgreSQL.
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(folder, 'postgres.log'))).toBe(0o644);
    // Inside DATA_DIR (the earlier layout) it would not be reachable: the check sees that.
    expect(closedAncestor(path.join(dataDir, 'cluster', 'postgres'))).toBe(dataDir);
  });

  it('as another user, PostgreSQL runs as DATA_DIR\'s owner and its folder stays inside, under cluster/', () => {
    const dataDir = path.join(parent(), 'data');
    expect(postgresFolder(dataDir, false)).toBe(path.join(dataDir, 'cluster', 'postgres'));
  });
});
