import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes what a reliability test measured to `.artifacts/reliability-<name>.json`, the figures
 * `npm run reliability-report` puts into docs/RELIABILITY.md. Figures, never assertions.
 */
export function writeFigures(name: string, figures: Record<string, unknown>) {
  const dir = path.join(__dirname, '../../.artifacts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `reliability-${name}.json`), JSON.stringify({ name, recordedAt: new Date().toISOString(), ...figures }, null, 2) + '\n');
}
