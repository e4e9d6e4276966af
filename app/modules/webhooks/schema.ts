import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

/** Every event type a creator can subscribe an endpoint to (docs/webhooks.md). */
export const WEBHOOK_EVENT_TYPES = [
  "order.paid",
  "order.refunded",
  "membership.created",
  "membership.updated",
  "membership.canceled",
  "follower.created",
  "booking.created",
  "booking.rescheduled",
  "booking.canceled",
  "post.published",
  "comment.created",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Sent only by the "Send test event" button, to one endpoint. */
export const TEST_EVENT_TYPE = "webhook.test";

/**
 * A creator's webhook endpoint (decision 0099): where to POST which events, and the Standard
 * Webhooks signing secret (`whsec_<base64>`; the HMAC key must be readable, so it is stored as is
 * and shown only to its owner). After a rotation the previous secret keeps signing alongside the
 * new one until `previousSecretExpiresAt`, so receivers can switch without dropping events.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    /** Set when turned off: by its owner, or after persistent failure (`disabledReason`). */
    disabledAt: integer("disabled_at"),
    disabledReason: text("disabled_reason"),
    /** Last 2xx answer from this endpoint (the automatic disable rule looks at it). */
    lastSuccessAt: integer("last_success_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_user_idx").on(t.userId)],
);

/**
 * One event of a creator, claimed once by its business key (e.g. `order.paid:<checkout session>`),
 * so an event emitted again (a Stripe event applied twice) is sent once. `id` is the
 * `webhook-id` every delivery and replay of it carries; `payload` is the exact body sent.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("webhook_events_user_key_idx").on(t.userId, t.key)],
);

export const DELIVERY_STATUSES = ["pending", "delivered", "failed", "skipped"] as const;

/** One event to one endpoint: its state and the attempt count of its current run. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    /** A manual run (replay, test event) is one attempt: no retries, never disables the endpoint. */
    manual: integer("manual", { mode: "boolean" }).notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    firstAttemptAt: integer("first_attempt_at"),
    lastAttemptAt: integer("last_attempt_at"),
    nextAttemptAt: integer("next_attempt_at"),
    lastStatus: integer("last_status"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint_idx").on(t.eventId, t.endpointId),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
  ],
);

/** The delivery log: one row per HTTP attempt, with truncated request/response excerpts (no secrets). */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    at: integer("at").notNull(),
    /** HTTP status, or null when no answer came (refused, timeout, blocked by the SSRF guard). */
    status: integer("status"),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    error: text("error"),
    requestExcerpt: text("request_excerpt").notNull(),
    responseExcerpt: text("response_excerpt").notNull().default(""),
    durationMs: integer("duration_ms"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.attempt)],
);
