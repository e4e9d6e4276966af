import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** Stored lower-cased; uniqueness is therefore case-insensitive. */
  email: text("email").notNull().unique(),
  /** `scrypt$N$r$p$saltB64$hashB64` — parameters travel with the hash so they can be raised later. */
  passwordHash: text("password_hash").notNull(),
  isAdmin: integer("is_admin", { mode: "boolean" }).notNull().default(false),
  /** When the person proved they read this address (null = not yet: publishing and selling wait, D61). */
  emailVerifiedAt: integer("email_verified_at"),
  createdAt: integer("created_at").notNull(),
  /** Set by an admin (with `suspendedReason`): no sign-in, no sessions, content hidden (decision 67). */
  suspendedAt: integer("suspended_at"),
  suspendedReason: text("suspended_reason"),
  /** Set when the person deleted their account: personal data is gone, the row stays for orders (decision 68). */
  deletedAt: integer("deleted_at"),
  /** Made for a guest purchase (D71): no password chosen yet (the hash is of a random one). Cleared when one is set. */
  guestAt: integer("guest_at"),
});

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Fixed-window counters for rate limiting (login, sign-up). */
export const rateLimits = sqliteTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  count: integer("count").notNull(),
});

export const ACCOUNT_TOKEN_PURPOSES = ["password_reset", "verify_email", "change_email", "undo_email_change"] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/**
 * Single-use emailed links (password reset, email verification, email change and its undo), D61.
 * Only the SHA-256 of the random token is stored, so a copy of the database holds no usable link.
 * A newer request of the same purpose marks older unused ones used.
 */
export const accountTokens = sqliteTable(
  "account_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: ACCOUNT_TOKEN_PURPOSES }).notNull(),
    /** change_email: the new address; undo_email_change: the old address to restore. */
    email: text("email"),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("account_tokens_user_idx").on(t.userId, t.purpose)],
);
