import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

/**
 * Personal access tokens for the public API (decision 0095). Only the SHA-256 (hex) of the token is
 * stored; `prefix` (the first characters) lets a person recognise a token in the list.
 */
export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    prefix: text("prefix").notNull(),
    /** Space-separated scopes, e.g. "apps:read apps:write licenses:read". */
    scopes: text("scopes").notNull(),
    /** Unix seconds; null = never expires. */
    expiresAt: integer("expires_at"),
    /** Updated at most once a minute (a conditional UPDATE in the authentication batch). */
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId, t.createdAt)],
);

/**
 * `Idempotency-Key` records for POST requests, per token. The row is claimed (state `pending`)
 * before the work runs, so a concurrent duplicate finds it and creates nothing; the finished
 * response is stored and replayed for 24 hours.
 */
export const apiIdempotencyKeys = sqliteTable(
  "api_idempotency_keys",
  {
    tokenId: text("token_id")
      .notNull()
      .references(() => apiTokens.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 of method + path + body: the same key with a different request is refused. */
    requestHash: text("request_hash").notNull(),
    /** pending | done */
    state: text("state").notNull(),
    status: integer("status"),
    body: text("body"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] }), index("api_idempotency_created_idx").on(t.createdAt)],
);
