import { StoreInputError } from './errors';

/** Where a page ended: lists are ordered by (a time, an id), e.g. processes by creation, tasks by waiting since. */
export interface PageCursor {
  at: string;
  id: string;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): PageCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string')) {
    throw new StoreInputError('The cursor is malformed: pass back the `next` value of a previous page unchanged.');
  }
  return { at: parsed[0], id: parsed[1] };
}

/**
 * One page of a keyset list: the query asked for `limit + 1` rows, so a row beyond the limit means there
 * is a next page, which starts after the last item kept.
 */
export function pageOf<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, cursorOf: (item: Item) => PageCursor): { items: Item[]; next?: string } {
  const items = rows.slice(0, limit).map(toItem);
  return rows.length > limit ? { items, next: encodeCursor(cursorOf(items[items.length - 1])) } : { items };
}
