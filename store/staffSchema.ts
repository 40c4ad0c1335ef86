/** Tables of the vendor's staff and of API keys: who is a reviewer, who stands in for whom, managed keys and their audit. */

/** A person the product has seen authenticate with a staff role (keys file, managed key, single sign-on). */
export interface PeopleTable {
  id: string;
  role: string;
  name: string | null;
  email: string | null;
  /** `keys-file`, `managed-key` or `oidc`: where the product learnt what this row says. */
  source: string;
  /** When the row was written: first seen, or a name or email learnt. */
  seen_at: string;
}

/** A reviewer away: their claimed reviews and reminders go to the delegate from `starts_at` until `ends_at`. */
export interface DelegationsTable {
  id: string;
  reviewer_id: string;
  delegate_id: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  created_at: string;
  /** Set when the delegation was called off before its end. */
  cancelled_at: string | null;
  cancelled_by: string | null;
}

/** A managed API key: the secret only as its SHA-256 digest (it is random and long, so a digest is enough). */
export interface ApiKeysTable {
  key_id: string;
  secret_hash: string;
  identity_id: string;
  role: string;
  partner_id: string | null;
  customer_id: string | null;
  name: string | null;
  email: string | null;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  last_used_at: string | null;
}

/** Every event of a managed key, never updated or deleted: the keys' audit list. */
export interface KeyEventsTable {
  id: string;
  key_id: string;
  /** `created` or `revoked`. */
  event: string;
  at: string;
  actor_id: string;
  actor_role: string;
  /** The key's identity and partner at the time, so the list reads without the keys table. */
  identity_id: string;
  role: string;
  partner_id: string | null;
}
