import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { beijingClock } from '../machines/time';
import type { Actor } from '../machines/types';
import type { ManagedKey, Store } from '../store/db';
import { HttpError } from './errors';

/**
 * Managed API keys: `pfk_<keyId>_<secret>`. The key id is public (lists and the audit name it); the
 * secret is 32 random bytes, kept only as its SHA-256 digest, so the records store never holds a usable key.
 */

const shape = /^pfk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A fresh key: what the caller is shown once, and what is stored. */
export function newKey(): { keyId: string; key: string; secretHash: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `pfk_${keyId}_${secret}`, secretHash: digest(secret) };
}

/** What lists show instead of the key: enough to recognise it. */
export const keyPrefix = (keyId: string) => `pfk_${keyId}_…`;

export const keyStatus = (key: Pick<ManagedKey, 'revokedAt' | 'expiresAt'>, now = new Date().toISOString()) =>
  key.revokedAt ? 'revoked' : key.expiresAt && key.expiresAt <= now ? 'expired' : 'active';

/** The authenticator for managed keys: anything shaped like one is answered here, known or not. */
export function managedKeys(store: Store) {
  return async (token: string): Promise<Actor | undefined> => {
    const match = token.match(shape);
    if (!match) return undefined;
    const key = await store.staff.getKey(match[1]);
    const presented = Buffer.from(digest(match[2]), 'hex');
    if (!key || !timingSafeEqual(presented, Buffer.from(key.secretHash, 'hex'))) throw new HttpError(401, 'invalid_key', 'This API key is not known.');
    const now = new Date().toISOString();
    if (key.revokedAt)
      throw new HttpError(401, 'key_revoked', `This API key (${keyPrefix(key.keyId)}) was revoked at ${beijingClock(key.revokedAt)} by ${key.revokedBy}; use a current key.`);
    if (key.expiresAt && key.expiresAt <= now)
      throw new HttpError(401, 'key_expired', `This API key (${keyPrefix(key.keyId)}) expired at ${beijingClock(key.expiresAt)}; ask for a new one.`);
    await store.staff.touchKey(key.keyId, now);
    return {
      id: key.id,
      role: key.role,
      ...(key.partnerId ? { partnerId: key.partnerId } : {}),
      ...(key.customerId ? { customerId: key.customerId } : {}),
      ...(key.name ? { name: key.name } : {}),
      ...(key.email ? { email: key.email } : {}),
    };
  };
}
