import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from './config';

/**
 * Payloads encrypted before they reach Temporal (AES-256-GCM), so the engine's history holds no email,
 * phone number or name in clear. Every payload names the key it was sealed with, so keys can rotate:
 * a new PAYLOAD_KEY seals from then on, and the old ones (PAYLOAD_KEYS_OLD) still open older history.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** How the sealed bytes are laid out (`serialize`); payloads sealed before it existed carry none. */
const FORMAT = 'encryption-format';
const COMPRESS_FROM = 256;
/** Step payloads are a few kB: a 4 kB window compresses them as well as the default 32 kB, for less work per call. */
const DEFLATE = { windowBits: 12, memLevel: 4 } as const;
/** What an activity or handler returns when it returns nothing: no bytes, so nothing to hide. */
const EMPTY_ENCODING = 'binary/null';

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** What an unsealed payload decodes to, in place of its content: a value no handler of the driver takes. */
export const REFUSED_VALUE = { refused: 'This payload reached the engine unsealed, so it was not sent by partnerflow; it was not read.' };
const REFUSED: Payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(REFUSED_VALUE)) };

/** A key's id: a digest of the key itself, so nobody has to name keys and two keys never share an id. */
export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 16);

export class AesGcmCodec implements PayloadCodec {
  private readonly keys = new Map<string, Buffer>();
  private readonly current: string;

  /**
   * `keys[0]` seals; all of them open. Each must be 32 bytes. `onUnsealed` hears of every payload refused
   * because it arrived unsealed (the worker logs it: someone wrote to the engine without the key).
   */
  constructor(
    keys: Buffer[],
    private readonly onUnsealed?: (encoding: string | undefined) => void,
  ) {
    if (keys.length === 0) throw new Error('The payload codec needs at least one key.');
    for (const key of keys) {
      if (key.length !== 32) throw new Error(`A payload key must be 32 bytes (AES-256); this one has ${key.length}.`);
      this.keys.set(keyIdOf(key), key);
    }
    this.current = keyIdOf(keys[0]);
  }

  get keyId() {
    return this.current;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Most activities return nothing; sealing that would only cost work and bytes on every step.
      if (!payload.data?.length && isEmptyValue(payload)) return payload;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv);
      const { bytes, format } = serialize(payload);
      // The key id and the format are authenticated too: a payload cannot be passed off as sealed with
      // another key, nor its label changed to send its bytes to another parser.
      cipher.setAAD(utf8.encode(`${this.current}:${format}`));
      const sealed = Buffer.concat([cipher.update(bytes), cipher.final()]);
      return {
        metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID]: utf8.encode(this.current), [FORMAT]: utf8.encode(format) },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || text.decode(encoding) !== ENCRYPTED_ENCODING) {
        // Nothing this product hands the engine is unsealed but an empty value: anything else unsealed was
        // written by someone without the key (an Update, signal or start sent with the `temporal` CLI, say).
        // It is never read: the workflow gets a value no handler takes (an Update's validator refuses it,
        // writing nothing; a signal is ignored). Throwing instead would fail the workflow task over and over,
        // and a forged signal, being in the history, would stall its process for good.
        if (isEmptyValue(payload) && !payload.data?.length) return payload;
        if (isHandSignalledFact(payload)) return payload;
        this.onUnsealed?.(encoding ? text.decode(encoding) : undefined);
        return REFUSED;
      }
      const keyId = payload.metadata?.[KEY_ID] ? text.decode(payload.metadata[KEY_ID]) : '';
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`A payload was sealed with key ${keyId || '(none named)'}, which is not among PAYLOAD_KEY and PAYLOAD_KEYS_OLD.`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      const format = payload.metadata?.[FORMAT] ? text.decode(payload.metadata[FORMAT]) : undefined;
      decipher.setAAD(utf8.encode(format === undefined ? keyId : `${keyId}:${format}`));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      return deserialize(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]), format);
    });
  }
}

/**
 * A payload as bytes: the protobuf Temporal itself uses, deflated when that makes it smaller (the JSON of
 * a step shrinks to about a third). The engine stores, moves and rewrites every payload many times, so
 * fewer bytes are less work for it. Compressing before encrypting lets the length hint at the content;
 * only the engine sees lengths, and it never sees a payload that mixes a guess with a secret of another.
 */
function serialize(payload: Payload): { bytes: Buffer; format: string } {
  const bytes = Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish());
  if (bytes.length < COMPRESS_FROM) return { bytes, format: 'pb' };
  const deflated = deflateRawSync(bytes, DEFLATE);
  return deflated.length < bytes.length ? { bytes: deflated, format: 'pb+deflate' } : { bytes, format: 'pb' };
}

function isEmptyValue(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && Object.keys(payload.metadata!).length === 1 && text.decode(encoding) === EMPTY_ENCODING;
}

/**
 * The one unsealed payload earlier releases told ops to write: a fact announcement signalled by hand with
 * `temporal workflow signal --name fact` (docs/OPERATIONS.md before repairs went through the API). Running
 * processes may hold such a signal in their history, and must still replay after an upgrade. Nothing else
 * passes; the API's repairs (`resend-facts`) send facts sealed, so this allowance can go once no running
 * process holds one (docs/SECURITY.md).
 */
const factNames = new Set(['realNameVerified', 'emailBound', 'businessCertified']);
function isHandSignalledFact(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  if (!encoding || text.decode(encoding) !== 'json/plain' || Object.keys(payload.metadata!).length !== 1 || !payload.data || payload.data.length > 1024) return false;
  let value: unknown;
  try {
    value = JSON.parse(text.decode(payload.data));
  } catch {
    return false;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { fact, ...rest } = value as Record<string, unknown>;
  const keys = Object.keys(rest).sort().join(',');
  if (fact === 'roleCertified') return keys === 'role' && typeof rest.role === 'string';
  return typeof fact === 'string' && factNames.has(fact) && typeof rest.value === 'boolean' && (keys === 'value' || (keys === 'email,value' && typeof rest.email === 'string'));
}

function deserialize(bytes: Buffer, format: string | undefined): Payload {
  if (format === 'pb' || format === 'pb+deflate') {
    const { metadata, data } = temporal.api.common.v1.Payload.decode(format === 'pb' ? bytes : inflateRawSync(bytes));
    return { metadata, data };
  }
  if (format !== undefined) throw new Error(`A payload was sealed in format "${format}", which this version cannot open.`);
  // Sealed before formats were named: base64 in JSON.
  const { metadata, data } = JSON.parse(bytes.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(data, 'base64')),
  };
}

function decodeKey(base64: string, name: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} bytes.`);
  return key;
}

/**
 * The sealing key: PAYLOAD_KEY, else a development key kept in DATA_DIR/payload-key (created once, like
 * dev-keys.json), then the old keys that still open older history.
 */
export function payloadKeys(config: Pick<Config, 'PAYLOAD_KEY' | 'PAYLOAD_KEYS_OLD' | 'dataDir'>): Buffer[] {
  const old = (config.PAYLOAD_KEYS_OLD ?? '').split(',').filter((k) => k.trim()).map((k, i) => decodeKey(k, `PAYLOAD_KEYS_OLD entry ${i + 1}`));
  if (config.PAYLOAD_KEY) return [decodeKey(config.PAYLOAD_KEY, 'PAYLOAD_KEY'), ...old];
  return [devPayloadKey(config.dataDir), ...old];
}

function devPayloadKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'payload-key');
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    // Written aside, then linked: never overwrites a key that sealed existing history, and a worker and an
    // API started at the same moment never read a half-written file; the second starter reads the first one's.
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    try {
      fs.linkSync(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  return decodeKey(fs.readFileSync(file, 'utf8'), file);
}

/** The codec of this deployment's keys. */
export const payloadCodec = (config: Pick<Config, 'PAYLOAD_KEY' | 'PAYLOAD_KEYS_OLD' | 'dataDir'>, onUnsealed?: (encoding: string | undefined) => void) =>
  new AesGcmCodec(payloadKeys(config), onUnsealed);

/** What every Temporal client, worker and replay worker of the product takes as `dataConverter`. */
export const dataConverter = (config: Pick<Config, 'PAYLOAD_KEY' | 'PAYLOAD_KEYS_OLD' | 'dataDir'>, onUnsealed?: (encoding: string | undefined) => void): DataConverter => ({
  payloadCodecs: [payloadCodec(config, onUnsealed)],
});
