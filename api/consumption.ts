import fs from 'node:fs/promises';
import { z } from 'zod';

/** Where customers' consumption records come from (R65): the billing system; here a JSON file it exports. */
export interface ConsumptionSource {
  list(customerId: string): Promise<ConsumptionItem[]>;
}

const itemSchema = z.object({
  customerId: z.string(),
  at: z.iso.datetime({ offset: true }),
  product: z.string(),
  amount: z.number(),
  currency: z.string().default('CNY'),
});

export type ConsumptionItem = z.infer<typeof itemSchema>;

/** A JSON file holding a list of `{ customerId, at, product, amount, currency? }`, read on each call; no file, no records. */
export function fileConsumption(file: string): ConsumptionSource {
  return {
    async list(customerId) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const items = z.array(itemSchema).parse(JSON.parse(text));
      return items
        .filter((item) => item.customerId === customerId)
        .map((item) => ({ ...item, at: new Date(item.at).toISOString() }))
        .sort((a, b) => a.at.localeCompare(b.at));
    },
  };
}

export const noConsumption: ConsumptionSource = { list: async () => [] };
