import { api } from './api';
import type { KindDescription } from './model';

let all: Promise<Map<string, KindDescription>> | undefined;

/** Every kind, asked for once per page load: the machines do not change while the server runs. */
export function kinds(): Promise<Map<string, KindDescription>> {
  all ??= api<{ items: KindDescription[] }>('GET', '/v1/kinds').then((r) => new Map(r.items.map((k) => [k.kind, k])));
  all.catch(() => (all = undefined));
  return all;
}
