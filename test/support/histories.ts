import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { kindOf } from '../../machines/registry';

/**
 * Recorded histories, one folder per kind and version (`test/histories/<kind>@v<N>/`). A folder, once
 * written, is never written again: the histories of a version are what processes of that version did,
 * and every later build of the driver and machines must still replay them.
 */
export const historiesDir = path.join(__dirname, '../histories');

export interface RecordedHistory {
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

const History = temporal.api.history.v1.History;
/** protobufjs's own JSON form (enums as names, 64-bit numbers and bytes as strings), which `fromObject` reads back exactly. */
const toJson = (history: temporal.api.history.v1.IHistory) => History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });

/** Writes the histories of each kind whose current version has no folder yet; returns the folders written. */
export function saveNewHistories(histories: RecordedHistory[], dir = historiesDir): string[] {
  const written: string[] = [];
  const byFolder = new Map<string, RecordedHistory[]>();
  for (const h of histories) {
    const kind = kindOf(h.workflowId.split(':')[0]);
    if (!kind) throw new Error(`No kind for ${h.workflowId}`);
    const folder = `${kind.name}@v${kind.version}`;
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), h]);
  }
  for (const [folder, runs] of byFolder) {
    const target = path.join(dir, folder);
    if (fs.existsSync(target)) continue;
    // Written aside and renamed, so that a failure halfway leaves no partial folder behind to be kept forever.
    const partial = `${target}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    runs.forEach((run, i) => fs.writeFileSync(path.join(partial, `run-${i + 1}.json`), JSON.stringify(toJson(run.history), null, 1) + '\n'));
    fs.renameSync(partial, target);
    written.push(folder);
  }
  return written;
}

/** Every recorded history, named `<kind>@v<N>/run-<i>` so that a replay failure says which. */
export function loadHistories(dir = historiesDir): { folder: string; workflowId: string; history: temporal.api.history.v1.History }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((folder) => /@v\d+$/.test(folder))
    .sort()
    .flatMap((folder) =>
      fs
        .readdirSync(path.join(dir, folder))
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => ({
          folder,
          workflowId: `${folder}/${file.replace(/\.json$/, '')}`,
          history: History.fromObject(JSON.parse(fs.readFileSync(path.join(dir, folder, file), 'utf8'))),
        })),
    );
}
