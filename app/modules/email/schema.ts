import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

export const EMAIL_MODES = ["all", "subscribed", "none"] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];

/** Per-user email preference for new-post emails. No row = "all". */
export const emailPreferences = sqliteTable("email_preferences", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  mode: text("mode", { enum: EMAIL_MODES }).notNull().default("all"),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * One row per idempotency key (e.g. `post:<postId>:<userId>`): claimed before sending, so a
 * retried queue message never sends the same email twice.
 */
export const emailSends = sqliteTable(
  "email_sends",
  {
    key: text("key").primaryKey(),
    userId: text("user_id"),
    kind: text("kind").notNull(),
    status: text("status", { enum: ["sending", "sent", "skipped"] }).notNull(),
    providerId: text("provider_id"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
  },
  (t) => [index("email_sends_user_idx").on(t.userId)],
);

/** The local transport's outbox: what `/dev/mailbox` shows. Keyed by the idempotency key. */
export const devMailbox = sqliteTable(
  "dev_mailbox",
  {
    id: text("id").primaryKey(),
    to: text("to_address").notNull(),
    from: text("from_address").notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("dev_mailbox_to_idx").on(t.to, t.createdAt), index("dev_mailbox_time_idx").on(t.createdAt)],
);
