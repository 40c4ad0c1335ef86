import fs from 'node:fs/promises';
import path from 'node:path';
import { describeIssues } from '../machines/policy';
import { invoiceToSchema, partnerAccountSchema, type BillingSource, type InvoiceTo, type PartnerAccount } from './source';

/** The fixtures shipped with the product: what `npm start` bills when BILLING_SOURCE_DIR is unset. */
export const defaultBillingDir = path.join(__dirname, '../fixtures/billing');

const safeId = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * A billing source kept as JSON files: `vendor.json` (who invoices are issued to) and one
 * `partners/<partnerId>.json` per partner. Files are read on every call, so the billing system may
 * replace them at any time; a malformed file is an error naming the file and the field.
 */
export function fileBillingSource(dir: string = defaultBillingDir): BillingSource {
  async function readJson(file: string): Promise<unknown | null> {
    try {
      return JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`Billing source file ${file} cannot be read: ${(error as Error).message}`);
    }
  }
  function parsed<T>(file: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: any } }, value: unknown): T {
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(`Billing source file ${file} is invalid: ${describeIssues(result.error)}`);
    return result.data;
  }
  const partnersDir = path.join(dir, 'partners');

  return {
    async partners() {
      const names = await fs.readdir(partnersDir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [] as string[];
        throw error;
      });
      return names
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length))
        .filter((id) => safeId.test(id))
        .sort();
    },
    async account(partnerId): Promise<PartnerAccount | null> {
      if (!safeId.test(partnerId)) return null;
      const file = path.join(partnersDir, `${partnerId}.json`);
      const value = await readJson(file);
      if (value === null) return null;
      const account = parsed(file, partnerAccountSchema, value);
      if (account.partnerId !== partnerId) throw new Error(`Billing source file ${file} is about partner ${account.partnerId}, not ${partnerId}.`);
      return account;
    },
    async invoiceTo(): Promise<InvoiceTo> {
      const file = path.join(dir, 'vendor.json');
      const value = await readJson(file);
      if (value === null) throw new Error(`Billing source ${dir} has no vendor.json: who should partners issue invoices to?`);
      return parsed(file, invoiceToSchema, value);
    },
  };
}
