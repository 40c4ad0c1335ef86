import type { Logger } from 'pino';
import type { Actor, Role } from '../machines/types';
import type { Store } from '../store/db';
import type { AuthSource } from './auth';
import type { Identity } from './keys';

/**
 * Who the vendor's staff are, as far as the product can know: everyone who holds a reviewer or ops key,
 * or signed in with such a role. A delegation goes only to a known reviewer, and a reminder for a held
 * review reaches its holder (or their delegate) at the email they came with.
 */
const staffRoles: readonly Role[] = ['reviewer', 'ops'];
/** A person seen again within this time is not written again. */
const rememberMs = 10 * 60 * 1000;

export function staffDirectory(store: Store, log: Logger) {
  const noted = new Map<string, number>();
  /** `fresh`: what a new key says of its person, written even if the person was seen a moment ago. */
  const note = async (actor: Pick<Actor, 'id' | 'role' | 'name' | 'email'>, source: AuthSource, fresh = false) => {
    if (!staffRoles.includes(actor.role)) return;
    const key = `${actor.role}\n${actor.id}`;
    const now = Date.now();
    if (!fresh && (noted.get(key) ?? 0) > now - rememberMs) return;
    try {
      // Written only when the person is new or comes with a name or email the directory lacks: signing in changes nothing else.
      const known = await store.staff.getPerson(actor.id, actor.role);
      if (!known || (actor.name && actor.name !== known.name) || (actor.email && actor.email !== known.email))
        await store.staff.notePerson({ id: actor.id, role: actor.role, name: actor.name ?? null, email: actor.email ?? null, source, seenAt: new Date(now).toISOString() });
      noted.set(key, now);
      if (noted.size > 10_000) noted.delete(noted.keys().next().value!);
    } catch (err) {
      // The directory is a convenience of delegation and reminders; a request never fails for it.
      log.warn({ err, id: actor.id }, 'could not note a staff member in the directory');
    }
  };
  return {
    note,
    /** The keys file's staff, known from the start. */
    async seed(keys: Map<string, Identity>) {
      for (const identity of keys.values()) await note(identity, 'keys-file');
    },
  };
}
