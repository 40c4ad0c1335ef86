import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/** SMS verification codes (R66): six digits, kept only as a salted scrypt hash; the clear code exists only on its way to the phone. */

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;

export const newCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

export const newSalt = () => randomBytes(16).toString('hex');

export const hashCode = async (code: string, salt: string) => (await scryptAsync(code, salt, 32)).toString('hex');

export async function codeMatches(code: string, stored: { salt: string; code_hash: string }): Promise<boolean> {
  const given = Buffer.from(await hashCode(code, stored.salt), 'hex');
  const expected = Buffer.from(stored.code_hash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `+86 138 0013 8000` → `+86*******8000`: enough for a person to recognise their number. */
export function maskPhone(phone: string): string {
  const plain = phone.replace(/[\s-]/g, '');
  return `${plain.slice(0, 3)}${'*'.repeat(Math.max(0, plain.length - 7))}${plain.slice(-4)}`;
}
