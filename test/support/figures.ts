import fs from 'node:fs';
import path from 'node:path';

/** Figures of the last run for docs/RELIABILITY*.md: `.artifacts/reliability-<name>.json`. */
export function writeFigures(name: string, figures: Record<string, unknown>) {
  const dir = path.join(__dirname, '../../.artifacts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `reliability-${name}.json`), `${JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2)}\n`);
}
