import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { keyIdOf } from './codec';

/**
 * Short secrets the records store must keep but not in clear: webhook signing secrets, and the text of a
 * message whose stored body is redacted (an SMS verification code). Sealed with the payload keys
 * (AES-256-GCM), so whoever reads the database without the key reads neither; rotating PAYLOAD_KEY keeps
 * the old ones opening (PAYLOAD_KEYS_OLD).
 */
export interface Sealer {
  seal(text: string): string;
  open(sealed: string): string;
}

const PREFIX = 'sealed1';

/** `keys[0]` seals; all of them open. */
export function createSealer(keys: Buffer[]): Sealer {
  const byId = new Map(keys.map((key) => [keyIdOf(key), key]));
  const currentId = keyIdOf(keys[0]);
  return {
    seal(text) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys[0], iv);
      cipher.setAAD(Buffer.from(`${PREFIX}:${currentId}`));
      const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return `${PREFIX}.${currentId}.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed) {
      const [prefix, keyId, data] = sealed.split('.');
      if (prefix !== PREFIX || !keyId || !data) throw new Error('Not a sealed value.');
      const key = byId.get(keyId);
      if (!key) throw new Error(`A value was sealed with key ${keyId}, which is not among PAYLOAD_KEY and PAYLOAD_KEYS_OLD.`);
      const bytes = Buffer.from(data, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${PREFIX}:${keyId}`));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}
