import type { Kysely } from 'kysely';
import type { Database } from './schema';

/**
 * SMS verification codes counted per scope and day, reserved before the code is asked for: one
 * conditional UPDATE per scope, so that requests arriving at once cannot slip past the limit together.
 */
export function createSmsQuotaStore(db: Kysely<Database>) {
  const release = async (scope: string, day: string) => {
    await db.updateTable('sms_quota').set((eb) => ({ used: eb('used', '-', 1) })).where('scope', '=', scope).where('day', '=', day).where('used', '>', 0).execute();
  };
  return {
    /** Takes one from each scope's allowance of the day, or none at all: the scope that was full, or undefined. */
    async reserve(day: string, scopes: Array<{ scope: string; max: number }>): Promise<string | undefined> {
      const taken: string[] = [];
      for (const { scope, max } of scopes) {
        await db.insertInto('sms_quota').values({ scope, day, used: 0 }).onConflict((oc) => oc.columns(['scope', 'day']).doNothing()).execute();
        const result = await db
          .updateTable('sms_quota')
          .set((eb) => ({ used: eb('used', '+', 1) }))
          .where('scope', '=', scope)
          .where('day', '=', day)
          .where('used', '<', max)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) {
          for (const done of taken) await release(done, day);
          return scope;
        }
        taken.push(scope);
      }
      return undefined;
    },
    /** Gives back what `reserve` took when the code was not asked for after all. */
    async release(day: string, scopes: string[]) {
      for (const scope of scopes) await release(scope, day);
    },
  };
}

export type SmsQuotaStore = ReturnType<typeof createSmsQuotaStore>;
