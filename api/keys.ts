/**
 * API keys: each key maps to one identity (DESIGN.md, HTTP API auth). One person (`id`) may hold keys
 * for several roles; the four-eyes rule (R72) compares ids, not keys.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { roles } from '../machines/types';

export const identitySchema = z
  .object({
    key: z.string().min(16),
    id: z.string().min(1),
    role: z.enum(roles),
    partnerId: z.string().min(1).optional(),
    customerId: z.string().min(1).optional(),
    /** Shown where a person must be reachable, e.g. the pre-reviewer of a disassociation (R41). */
    name: z.string().min(1).max(100).optional(),
    email: z.email().optional(),
  })
  .refine((identity) => identity.role !== 'partner' || identity.partnerId !== undefined, {
    message: 'A key with role partner needs a partnerId: the partner it acts for.',
    path: ['partnerId'],
  });

export type Identity = z.infer<typeof identitySchema>;

const keysFileSchema = z.object({ keys: z.array(z.unknown()) });

/** Reads a keys file `{ "keys": [identity, ...] }` into a map from key to identity. */
export async function loadKeys(file: string): Promise<Map<string, Identity>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`The keys file ${file} does not exist.`);
    throw new Error(`Cannot read the keys file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`The keys file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const top = keysFileSchema.safeParse(json);
  if (!top.success) throw new Error(`The keys file ${file} must hold an object { "keys": [ ... ] }.`);

  const keys = new Map<string, Identity>();
  top.data.keys.forEach((entry, index) => {
    const parsed = identitySchema.safeParse(entry);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`)
        .join('; ');
      throw new Error(`The keys file ${file}, entry ${index}, is not a valid identity: ${problems}`);
    }
    // A key shared by two identities would make the caller ambiguous.
    if (keys.has(parsed.data.key)) {
      throw new Error(`The keys file ${file}, entry ${index}, repeats a key that an earlier entry already uses.`);
    }
    keys.set(parsed.data.key, parsed.data);
  });
  return keys;
}

type DevIdentity = Omit<Identity, 'key'>;

/** Two partners, two reviewers, a customer, ops, system, and chen: a partner who is also a reviewer (R72). */
const devIdentities: DevIdentity[] = [
  { id: 'alice@acme', role: 'partner', partnerId: 'acme' },
  { id: 'bob@globex', role: 'partner', partnerId: 'globex' },
  { id: 'li.reviewer', role: 'reviewer', name: 'Li Na', email: 'li.na@partnerflow.local' },
  { id: 'wang.reviewer', role: 'reviewer', name: 'Wang Wei', email: 'wang.wei@partnerflow.local' },
  // A customer of acme: its key names its account and its partner (disassociation, partner payment).
  { id: 'zhao.customer', role: 'customer', customerId: 'zhao', partnerId: 'acme' },
  { id: 'ops', role: 'ops' },
  { id: 'system', role: 'system' },
  { id: 'chen', role: 'partner', partnerId: 'initech' },
  { id: 'chen', role: 'reviewer' },
  { id: 'mei@acme', role: 'manager', partnerId: 'acme' },
];

/** Creates `${dataDir}/dev-keys.json` with fresh random keys unless it exists; returns its path. */
export async function ensureDevKeys(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'dev-keys.json');
  await fs.mkdir(dataDir, { recursive: true });
  const keys: Identity[] = devIdentities.map((identity) => ({
    key: `pk_${identity.role}_${randomBytes(24).toString('base64url')}`,
    ...identity,
  }));
  // Write aside, then link: never overwrites an existing file, and nobody reads a half-written one.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  try {
    await fs.link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.rm(temp, { force: true });
  }
  return file;
}
