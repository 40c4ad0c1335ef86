import fs from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ProcessKind } from '../../machines/kind';
import { kindOf } from '../../machines/registry';
import { ENCRYPTED_ENCODING } from '../../worker/codec';
import { driverVersion } from '../../workflows/contract';

/** The folder the histories of new processes of `kind` belong in. */
export const historyFolder = (kind: ProcessKind) => `${kind.name}@v${kind.version}+driver${driverVersion}`;

/**
 * Recorded histories, one folder per kind version and driver generation (`test/histories/<kind>@v<N>+driver<M>/`;
 * workflows/contract.ts). A folder, once written, is never written again: its histories are what such
 * processes did, and every later build of the driver and machines must still replay them.
 */
export const historiesDir = path.join(__dirname, '../histories');

export interface RecordedHistory {
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

const History = temporal.api.history.v1.History;
const isSealed = (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING;
/** protobufjs's own JSON form (enums as names, 64-bit numbers and bytes as strings), which `fromObject` reads back exactly. */
const toJson = (history: temporal.api.history.v1.IHistory) => History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });

/**
 * Every sealed payload in a history, opened: histories are kept readable, so that they replay without
 * the recording run's key.
 */
async function opened(value: unknown, codec: PayloadCodec): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => opened(v, codec)));
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const record = value as Record<string, unknown>;
  // Only what the product sealed is opened: search attributes and memo travel unsealed, and the codec would refuse them.
  if (record.metadata && record.data !== undefined && typeof record.metadata === 'object')
    return isSealed(record as Payload) ? (await codec.decode([record as Payload]))[0] : record;
  const entries = await Promise.all(Object.entries(record).map(async ([k, v]) => [k, await opened(v, codec)] as const));
  return Object.fromEntries(entries);
}

/** Writes the histories of each kind whose current version has no folder yet; returns the folders written. */
export async function saveNewHistories(recorded: RecordedHistory[], codec: PayloadCodec, dir = historiesDir): Promise<string[]> {
  const histories = await Promise.all(recorded.map(async (h) => ({ ...h, json: toJson((await opened(h.history, codec)) as temporal.api.history.v1.IHistory) })));
  const written: string[] = [];
  const byFolder = new Map<string, typeof histories>();
  for (const h of histories) {
    const kind = kindOf(h.workflowId.split(':')[0]);
    if (!kind) throw new Error(`No kind for ${h.workflowId}`);
    const folder = historyFolder(kind);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), h]);
  }
  for (const [folder, runs] of byFolder) {
    const target = path.join(dir, folder);
    if (fs.existsSync(target)) continue;
    // Written aside and renamed, so that a failure halfway leaves no partial folder behind to be kept forever.
    const partial = `${target}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    runs.forEach((run, i) => fs.writeFileSync(path.join(partial, `run-${i + 1}.json`), JSON.stringify(run.json, null, 1) + '\n'));
    fs.renameSync(partial, target);
    written.push(folder);
  }
  return written;
}

/**
 * The process a history ran as, when its start says so (generation 3 proves starts for their process, and
 * the driver checks that proof on replay too); else the file's name.
 */
function workflowIdOf(history: temporal.api.history.v1.History, name: string): string {
  const input = history.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  try {
    const processId = input ? (JSON.parse(Buffer.from(input).toString()) as { proof?: { processId?: unknown } }).proof?.processId : undefined;
    return typeof processId === 'string' ? processId : name;
  } catch {
    return name;
  }
}

/** Every recorded history, named `<kind>@v<N>+driver<M>/run-<i>` (`name`) so that a replay failure says which. */
export function loadHistories(dir = historiesDir): { folder: string; name: string; workflowId: string; history: temporal.api.history.v1.History }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((folder) => /@v\d+\+driver\d+$/.test(folder))
    .sort()
    .flatMap((folder) =>
      fs
        .readdirSync(path.join(dir, folder))
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => {
          const name = `${folder}/${file.replace(/\.json$/, '')}`;
          const history = History.fromObject(JSON.parse(fs.readFileSync(path.join(dir, folder, file), 'utf8')));
          return { folder, name, workflowId: workflowIdOf(history, name), history };
        }),
    );
}
