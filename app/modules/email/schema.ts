import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

export const EMAIL_MODES = ["all", "subscribed", "none"] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];

/** Per-user email preference for new-post emails. No row = "all". */
export const emailPreferences = sqliteTable("email_preferences", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  mode: text("mode", { enum: EMAIL_MODES }).notNull().default("all"),
  /** Creator alerts for new and canceled members (sales and payout alerts always go out). */
  memberAlerts: integer("member_alerts", { mode: "boolean" }).notNull().default(true),
  /** A maker's daily email digest of new feedback on their apps' boards (decision 120). */
  feedbackDigest: integer("feedback_digest", { mode: "boolean" }).notNull().default(true),
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
/** A file attached to an email: a text file (e.g. `invite.ics`, `text/calendar; method=PUBLISH`). */
export type EmailAttachment = { filename: string; contentType: string; content: string };

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
    /** Files sent with the message (e.g. a booking's .ics), text content as sent. */
    attachments: text("attachments", { mode: "json" }).$type<EmailAttachment[]>().notNull().default([]),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("dev_mailbox_to_idx").on(t.to, t.createdAt), index("dev_mailbox_time_idx").on(t.createdAt)],
);

/**
 * A person who unsubscribed from one creator's emails (the footer link of a creator's message to
 * their members): that creator's tier messages skip them. Receipts are never affected.
 */
export const creatorEmailOptouts = sqliteTable(
  "creator_email_optouts",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.creatorId] })],
);

/** A creator's message to every member of one tier (rate-limited per tier per day). */
export const tierMessages = sqliteTable(
  "tier_messages",
  {
    id: text("id").primaryKey(),
    tierId: text("tier_id").notNull(),
    creatorId: text("creator_id").notNull(),
    subject: text("subject").notNull(),
    bodyMarkdown: text("body_markdown").notNull(),
    recipients: integer("recipients").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("tier_messages_tier_idx").on(t.tierId, t.createdAt)],
);
