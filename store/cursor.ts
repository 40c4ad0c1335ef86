import { StoreInputError } from './errors';

/** Where a page of processes ended: lists run newest first by (createdAt, id). */
export interface ProcessCursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: ProcessCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): ProcessCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((part) => typeof part === 'string')) {
    throw new StoreInputError('The cursor is malformed: pass back the `next` value of a previous page unchanged.');
  }
  return { createdAt: parsed[0], id: parsed[1] };
}
