import { sql } from "drizzle-orm";
import { sqliteTable, sqliteView, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

/** A creator's Stripe connected account (Express-style; the platform controls fees and losses). */
export const payoutAccounts = sqliteTable("payout_accounts", {
  creatorId: text("creator_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeAccountId: text("stripe_account_id").notNull().unique(),
  chargesEnabled: integer("charges_enabled", { mode: "boolean" }).notNull().default(false),
  payoutsEnabled: integer("payouts_enabled", { mode: "boolean" }).notNull().default(false),
  detailsSubmitted: integer("details_submitted", { mode: "boolean" }).notNull().default(false),
  /** `created` of the newest account.updated applied; older events are ignored. */
  stateAt: integer("state_at").notNull().default(0),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Every verified Stripe event id, once. The unique key is what makes enqueueing happen once. */
export const stripeEvents = sqliteTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  created: integer("created").notNull(),
  /** queued → processed | ignored | dead */
  status: text("status").notNull(),
  attempts: integer("attempts").notNull().default(0),
  lastError: text("last_error"),
  receivedAt: integer("received_at").notNull(),
  processedAt: integer("processed_at"),
});

/** Checkout Sessions we started: what they are for, so the thank-you page and holds can find them. */
export const checkouts = sqliteTable(
  "checkouts",
  {
    sessionId: text("session_id").primaryKey(),
    kind: text("kind").notNull(), // product | tier
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    productId: text("product_id"),
    tierId: text("tier_id"),
    holdId: text("hold_id"),
    /** open → complete | expired */
    status: text("status").notNull(),
    /** The hosted checkout page, so a repeat click goes back to the same open session. */
    url: text("url"),
    expiresAt: integer("expires_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("checkouts_user_idx").on(t.userId, t.createdAt),
    // At most one open checkout per person per product: the row is claimed before Stripe is asked (D52).
    uniqueIndex("checkouts_open_product_idx")
      .on(t.userId, t.productId)
      .where(sql`kind = 'product' AND status = 'open'`),
  ],
);

/**
 * Checkouts started without an account (D71). The browser that started one holds a random token
 * (cookie `at_guest`; only its SHA-256 is stored), which is what lets that browser — and no other —
 * see the thank-you page and download the files. The buyer (`buyer_id`) is the account of the email
 * Checkout collected, set when the order is recorded; the guest is never signed in to it.
 */
export const guestCheckouts = sqliteTable(
  "guest_checkouts",
  {
    /** The Checkout Session id, or the `free_…` key of a $0 order. */
    sessionId: text("session_id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    /** The product bought; null for a tier joined as a guest (D77). */
    productId: text("product_id"),
    /** The tier joined as a guest (D77): a subscription Checkout whose seat hold is `hold_id`. */
    tierId: text("tier_id"),
    holdId: text("hold_id"),
    creatorId: text("creator_id").notNull(),
    buyerId: text("buyer_id"),
    /** open → complete | expired */
    status: text("status").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("guest_checkouts_buyer_idx").on(t.buyerId)],
);

/**
 * A guest's request to join a free tier, or the waitlist of a full tier, by email (D125). Nothing
 * happens until the emailed link is opened and confirmed (double opt-in): only then is the email's
 * account found or made and the membership or waitlist place recorded. Only the SHA-256 of the
 * link's token is stored; a link works once and expires.
 */
export const guestTierRequests = sqliteTable(
  "guest_tier_requests",
  {
    tokenHash: text("token_hash").primaryKey(),
    email: text("email").notNull(),
    tierId: text("tier_id").notNull(),
    /** join: a free tier with room; waitlist: a full tier (free or paid). */
    kind: text("kind", { enum: ["join", "waitlist"] }).notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("guest_tier_requests_email_idx").on(t.email, t.tierId)],
);

/** One-time purchases. Created only from the verified checkout.session.completed webhook. */
export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    checkoutSessionId: text("checkout_session_id").notNull().unique(),
    paymentIntentId: text("payment_intent_id"),
    buyerId: text("buyer_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    productId: text("product_id").notNull(),
    currency: text("currency").notNull(),
    gross: integer("gross").notNull(),
    fee: integer("fee").notNull(),
    net: integer("net").notNull(),
    /** paid | refunded | disputed */
    status: text("status").notNull(),
    /** Minor units refunded so far (Stripe's charge.amount_refunded); = gross once fully refunded. */
    amountRefunded: integer("amount_refunded").notNull().default(0),
    /** Of the fee, what Stripe gave back (the application fee's amount_refunded); the platform kept fee − this. */
    feeRefunded: integer("fee_refunded").notNull().default(0),
    /** Of the creator's transfer (net), what Stripe took back (the transfer's amount_reversed); the creator kept net − this. */
    transferReversed: integer("transfer_reversed").notNull().default(0),
    refundedAt: integer("refunded_at"),
    /** Why the platform refunded it by itself: "duplicate" (the buyer already owned the product, D52). */
    refundReason: text("refund_reason"),
    /** Bought without signing in (D71): attached to the account of the email Checkout collected. */
    guest: integer("guest", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("orders_buyer_idx").on(t.buyerId, t.productId),
    index("orders_creator_idx").on(t.creatorId, t.createdAt),
    index("orders_pi_idx").on(t.paymentIntentId),
  ],
);

/** Subscriptions to creator tiers (paid ones mirror a Stripe subscription; free ones have none). */
export const memberships = sqliteTable(
  "memberships",
  {
    id: text("id").primaryKey(),
    stripeSubscriptionId: text("stripe_subscription_id").unique(),
    stripeCustomerId: text("stripe_customer_id"),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    tierId: text("tier_id").notNull(),
    /** active | trialing | past_due | canceled | incomplete | unpaid */
    status: text("status").notNull(),
    interval: text("interval"), // month | year | null (free)
    amount: integer("amount").notNull().default(0),
    currency: text("currency"),
    currentPeriodStart: integer("current_period_start"),
    currentPeriodEnd: integer("current_period_end"),
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
    /** Note shown to the member when we had to undo a subscription (e.g. tier was full). */
    note: text("note"),
    /** Why we ended it ourselves: "duplicate" (the person already had a live membership of the tier;
     * canceled and its payment refunded, D52). Its refunded invoices show as "refunded — duplicate". */
    endReason: text("end_reason"),
    /** A free membership given by the creator (no Stripe subscription); it ends at `currentPeriodEnd`. */
    comp: integer("comp", { mode: "boolean" }).notNull().default(false),
    /** The key this membership's seat has in its tier's TierSeats object: the subscription id, or
     * the switch id after a tier switch (D65) — what `end` is called with when it leaves the tier. */
    seatKey: text("seat_key"),
    /** A downgrade waiting for the period end (a Stripe subscription schedule, D66): the tier and
     * price interval/amount from `pendingAt` (the renewal), read from the schedule on every sync. */
    pendingTierId: text("pending_tier_id"),
    pendingInterval: text("pending_interval"),
    pendingAmount: integer("pending_amount"),
    pendingAt: integer("pending_at"),
    /** The schedule's id and the switch (seat hold in the pending tier) it belongs to. */
    pendingScheduleId: text("pending_schedule_id"),
    pendingSwitchId: text("pending_switch_id"),
    /** Date.now() of the Stripe read this row reflects; an older read never overwrites a newer one. */
    syncedAt: integer("synced_at").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("memberships_user_idx").on(t.userId),
    index("memberships_tier_idx").on(t.tierId, t.status),
    index("memberships_creator_idx").on(t.creatorId, t.createdAt),
    index("memberships_user_creator_idx").on(t.userId, t.creatorId, t.status),
  ],
);

/**
 * Tier switches (D65): a member of one paid tier moving to another tier (or interval) of the same
 * creator. The one `open` row per (person, creator) is the lock that serialises a person's switches;
 * the row then records what happened: `applied` (upgrade, charged at once with proration),
 * `scheduled` (downgrade at the period end), `failed`, `withdrawn`.
 */
export const tierSwitches = sqliteTable(
  "tier_switches",
  {
    /** Also the seat hold id and the seat key in the target tier's TierSeats object. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    fromTierId: text("from_tier_id").notNull(),
    toTierId: text("to_tier_id").notNull(),
    toInterval: text("to_interval").notNull(),
    /** upgrade | downgrade */
    kind: text("kind").notNull(),
    /** open | applied | scheduled | failed | withdrawn */
    status: text("status").notNull(),
    /** What the upgrade invoice charged (minor units), as previewed and as Stripe billed it. */
    amountDue: integer("amount_due"),
    prorationDate: integer("proration_date"),
    effectiveAt: integer("effective_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("tier_switches_open_idx")
      .on(t.userId, t.creatorId)
      .where(sql`status = 'open'`),
    index("tier_switches_sub_idx").on(t.stripeSubscriptionId, t.createdAt),
  ],
);

/** Paid subscription invoices: the money side of memberships. */
export const invoices = sqliteTable(
  "invoices",
  {
    id: text("id").primaryKey(), // Stripe invoice id
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    userId: text("user_id"),
    creatorId: text("creator_id").notNull(),
    tierId: text("tier_id").notNull(),
    currency: text("currency").notNull(),
    gross: integer("gross").notNull(),
    fee: integer("fee").notNull(),
    net: integer("net").notNull(),
    /** paid | refunded (fully) | disputed (a dispute is open or was lost) */
    status: text("status").notNull(),
    /** The invoice's payment: how a charge.refunded / dispute finds its invoice. */
    paymentIntentId: text("payment_intent_id"),
    /** Minor units refunded so far (Stripe's charge.amount_refunded); = gross once fully refunded. */
    amountRefunded: integer("amount_refunded").notNull().default(0),
    /** Of the fee, what Stripe gave back (the application fee's amount_refunded); the platform kept fee − this. */
    feeRefunded: integer("fee_refunded").notNull().default(0),
    /** Of the creator's transfer (net), what Stripe took back (the transfer's amount_reversed); the creator kept net − this. */
    transferReversed: integer("transfer_reversed").notNull().default(0),
    refundedAt: integer("refunded_at"),
    paidAt: integer("paid_at").notNull(),
  },
  (t) => [
    index("invoices_creator_idx").on(t.creatorId, t.paidAt),
    index("invoices_pi_idx").on(t.paymentIntentId),
    index("invoices_user_idx").on(t.userId, t.paidAt),
    // Only disputed invoices: what makes "is this membership paused?" (content/entitlements) one tiny probe (D28).
    index("invoices_disputed_sub_idx")
      .on(t.stripeSubscriptionId)
      .where(sql`status = 'disputed'`),
  ],
);

/** Disputes opened against charges (the platform bears them with destination charges). */
export const disputes = sqliteTable("disputes", {
  id: text("id").primaryKey(),
  chargeId: text("charge_id").notNull(),
  paymentIntentId: text("payment_intent_id"),
  amount: integer("amount").notNull(),
  currency: text("currency").notNull(),
  reason: text("reason"),
  /** Stripe's dispute status as last read: needs_response | under_review | warning_* | won | lost. won/lost are final. */
  status: text("status").notNull().default("needs_response"),
  closedAt: integer("closed_at"),
  createdAt: integer("created_at").notNull(),
});

/** Messages that exhausted their retries, consumed from the dead-letter queue. */
export const deadLetters = sqliteTable("dead_letters", {
  id: text("id").primaryKey(),
  queue: text("queue").notNull(),
  eventId: text("event_id"),
  eventType: text("event_type"),
  body: text("body").notNull(),
  attempts: integer("attempts").notNull(),
  createdAt: integer("created_at").notNull(),
  /** Audit of the admin's decision: null while open, then "retried" or "discarded", by whom, when. */
  outcome: text("outcome"),
  handledBy: text("handled_by"),
  handledAt: integer("handled_at"),
});

// In-app notifications live in app/modules/notifications (that module owns the table).

/**
 * The earnings ledger (a SQL view, migration `ledger_entries_view`): every paid payment a creator
 * received, one row each — product orders, membership invoices, paid bookings and bought session
 * packs — with gross / fee / net and what Stripe refunded, returned and reversed. Bookings and packs
 * stay in their own tables (nothing that means "owns a product" reads them); read money from here.
 */
export const ledgerEntries = sqliteView("ledger_entries", {
  kind: text("kind").$type<"product" | "membership" | "booking" | "pack">().notNull(),
  id: text("id").notNull(),
  creatorId: text("creator_id").notNull(),
  buyerId: text("buyer_id"),
  itemId: text("item_id").notNull(),
  currency: text("currency").notNull(),
  gross: integer("gross").notNull(),
  fee: integer("fee").notNull(),
  net: integer("net").notNull(),
  /** paid | refunded | disputed (bookings and packs: paid | refunded) */
  status: text("status").notNull(),
  amountRefunded: integer("amount_refunded").notNull(),
  feeRefunded: integer("fee_refunded").notNull(),
  transferReversed: integer("transfer_reversed").notNull(),
  at: integer("at").notNull(),
  refundedAt: integer("refunded_at"),
  paymentIntentId: text("payment_intent_id"),
}).existing();
