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
