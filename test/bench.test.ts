import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The benchmark must not rot: its quick mode runs end to end (its own dev server, both workers, both
 * workloads) and reports. No timing is asserted here; the goals live in `npm run bench` itself.
 */
describe('npm run bench -- --quick', () => {
  it('prints the ratio line last and writes a results JSON with every side, the idle latency and the machine', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-bench-test-'));
    try {
      const root = path.join(__dirname, '..');
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
        cwd: root,
        maxBuffer: 10 * 1024 * 1024,
      });
      const lines = stdout.trim().split('\n');
      expect(lines.at(-1)).toMatch(/^ratio vs bare Temporal: throughput \d+\.\d\d, p99 latency \d+\.\d\d$/);
      const files = fs.readdirSync(out).filter((f) => f.endsWith('.json'));
      expect(files).toHaveLength(1);
      const result = JSON.parse(fs.readFileSync(path.join(out, files[0]), 'utf8'));
      expect(result.machine).toMatchObject({ cpus: expect.any(Number), memoryGB: expect.any(Number), node: process.version });
      for (const side of ['product', 'bare', 'bareFloor'])
        expect(result[side]).toMatchObject({
          processesPerSecond: expect.any(Number),
          transitionsPerSecond: expect.any(Number),
          updateLatencyMs: { p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) },
          historyEventsPerTransition: expect.any(Number),
          workerRssMB: { max: expect.any(Number) },
        });
      // Every side ran the whole workload: 3 lifecycles of 10 Updates each, then 2 one action at a time.
      for (const side of ['product', 'bare', 'bare-floor']) {
        expect(result.runs[side][0].updates).toBe(30);
        expect(result.idle[side][0].updates).toBe(20);
      }
      expect(result.ratiosVsFloor).toMatchObject({ throughput: expect.any(Number), p99Latency: expect.any(Number) });
      expect(result.idleP50Ratio).toEqual(expect.any(Number));
      expect(lines).toContainEqual(expect.stringMatching(/^ratio vs bare-floor: throughput \d+\.\d\d, p99 latency \d+\.\d\d$/));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
