import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  /** Stored lower-cased; uniqueness is therefore case-insensitive. */
  email: text("email").notNull().unique(),
  /** `scrypt$N$r$p$saltB64$hashB64` — parameters travel with the hash so they can be raised later. */
  passwordHash: text("password_hash").notNull(),
  isAdmin: integer("is_admin", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull(),
  /** Set by an admin (with `suspendedReason`): no sign-in, no sessions, content hidden (decision 67). */
  suspendedAt: integer("suspended_at"),
  suspendedReason: text("suspended_reason"),
  /** Set when the person deleted their account: personal data is gone, the row stays for orders (decision 68). */
  deletedAt: integer("deleted_at"),
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
