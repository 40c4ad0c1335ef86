import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SideResult } from './phase';

/** The machine a result was measured on. */
export function machineFacts() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

export type Summary = Omit<SideResult, 'side' | 'workers' | 'lifecycles' | 'processes' | 'transitions' | 'updates' | 'seconds'>;

export interface Ratios {
  throughput: number;
  p99Latency: number;
  extraHistoryEventsPerTransition: number;
}

const rows: Array<[string, (s: Summary) => string]> = [
  ['processes/s', (s) => s.processesPerSecond.toFixed(2)],
  ['transitions/s', (s) => s.transitionsPerSecond.toFixed(2)],
  ['Update latency p50 (ms)', (s) => s.updateLatencyMs.p50.toFixed(1)],
  ['Update latency p95 (ms)', (s) => s.updateLatencyMs.p95.toFixed(1)],
  ['Update latency p99 (ms)', (s) => s.updateLatencyMs.p99.toFixed(1)],
  ['history events / transition', (s) => s.historyEventsPerTransition.toFixed(2)],
  ['worker RSS max (MB)', (s) => String(s.workerRssMB.max)],
  ['worker CPU per transition (ms)', (s) => s.workerCpuMsPerTransition.toFixed(2)],
  ['Temporal server CPU per transition (ms)', (s) => s.serverCpuMsPerTransition.toFixed(2)],
  ['client CPU per transition (ms)', (s) => s.clientCpuMsPerTransition.toFixed(2)],
];

/** A Markdown table of the sides and the product's ratios, for the terminal and docs/PERFORMANCE.md. */
export function summaryTable(sides: { product: Summary; bare: Summary; floor?: Summary }, idleP50: { product?: number; bare?: number; floor?: number } = {}): string {
  const { product, bare, floor } = sides;
  const ratio = (p: number, b: number | undefined) => (b ? (p / b).toFixed(2) : '—');
  const lines = floor
    ? ['| | product | bare Temporal | bare-floor | product ÷ bare | product ÷ bare-floor |', '|---|---:|---:|---:|---:|---:|']
    : ['| | product | bare Temporal | product ÷ bare |', '|---|---:|---:|---:|'];
  const line = (name: string, p: string, b: string, f?: string) =>
    lines.push(floor ? `| ${name} | ${p} | ${b} | ${f ?? '—'} | ${ratio(Number(p), Number(b))} | ${ratio(Number(p), f === undefined ? undefined : Number(f))} |` : `| ${name} | ${p} | ${b} | ${ratio(Number(p), Number(b))} |`);
  for (const [name, value] of rows) line(name, value(product), value(bare), floor && value(floor));
  if (idleP50.product !== undefined && idleP50.bare !== undefined)
    line('idle action latency p50 (ms, one at a time)', idleP50.product.toFixed(1), idleP50.bare.toFixed(1), idleP50.floor?.toFixed(1));
  return lines.join('\n');
}

export const ratioLine = (r: Ratios) => `ratio vs bare Temporal: throughput ${r.throughput.toFixed(2)}, p99 latency ${r.p99Latency.toFixed(2)}`;

/** A new results file's path in `dir`, named by the time. */
export function resultsFile(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
}

export function writeResults(dir: string, result: unknown): string {
  const file = resultsFile(dir);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in the document. */
export function replaceSection(docPath: string, name: string, body: string) {
  const text = fs.readFileSync(docPath, 'utf8');
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${docPath} has no ${open} … ${close} section to fill in.`);
  fs.writeFileSync(docPath, `${text.slice(0, start + open.length)}\n${body.trim()}\n${text.slice(end)}`);
}
