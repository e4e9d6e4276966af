import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

export const SERVICE_PRICINGS = ["per_session", "hourly", "fixed_package", "pack"] as const;
export type ServicePricing = (typeof SERVICE_PRICINGS)[number];
export const LOCATION_KINDS = ["video", "phone", "in_person", "after_booking"] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];
export const QUESTION_KINDS = ["short", "long", "choice"] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

/** One intake question a buyer answers when booking. */
export type IntakeQuestion = { id: string; label: string; kind: QuestionKind; required: boolean; choices: string[] };

/**
 * Services a creator sells: sessions on their calendar (per session, hourly, packs of sessions) or a
 * fixed-price deliverable with no calendar slot. Prices in integer minor units (D-services-pricing).
 */
export const services = sqliteTable(
  "services",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    /** Unique per creator; the public address is /@handle/services/:slug. */
    slug: text("slug").notNull(),
    descriptionMarkdown: text("description_markdown").notNull().default(""),
    coverKey: text("cover_key"),
    /** Length of one session in minutes (15–480); for hourly services, the shortest booking. */
    durationMinutes: integer("duration_minutes").notNull(),
    locationKind: text("location_kind").$type<LocationKind>().notNull(),
    /** The video link, phone number or address (per kind); null for "sent after booking". */
    locationDetail: text("location_detail"),
    pricing: text("pricing").$type<ServicePricing>().notNull(),
    /** per_session: one session · hourly: one hour · fixed_package: the deliverable · pack: the whole pack. 0 = free. */
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    /** hourly: the most hours one booking may take, and the step (minutes) between lengths offered. */
    maxHours: integer("max_hours"),
    hourStepMinutes: integer("hour_step_minutes"),
    /** fixed_package: days from payment to the due date. */
    deliveryDays: integer("delivery_days"),
    /** pack: sessions in the pack and days until unused ones expire. */
    packSessions: integer("pack_sessions"),
    packExpiryDays: integer("pack_expiry_days"),
    /**
     * Link mode: the creator's own Calendly or Cal.com page instead of native slots. The buyer pays
     * first, then picks a time there (name and email pre-filled); nothing is synchronised back.
     */
    schedulingUrl: text("scheduling_url"),
    intake: text("intake", { mode: "json" }).$type<IntakeQuestion[]>().notNull().default([]),
    /** draft | published */
    status: text("status").notNull().default("draft"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("services_creator_slug").on(t.creatorId, t.slug), index("services_creator_status").on(t.creatorId, t.status)],
);

/** One weekday's or one date's open hours, as wall-clock "HH:MM" in the creator's zone. */
export type HoursInterval = { start: string; end: string };
/** A date (YYYY-MM-DD, creator's zone) with its own hours; an empty list is a blackout day. */
export type DateOverride = { date: string; intervals: HoursInterval[] };

/** When a creator takes bookings (one calendar per creator: they are one person). */
export const availability = sqliteTable("service_availability", {
  creatorId: text("creator_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** IANA zone the hours are in, e.g. America/New_York. */
  timeZone: text("time_zone").notNull(),
  /** Index 0 = Sunday … 6 = Saturday. */
  weekly: text("weekly", { mode: "json" }).$type<HoursInterval[][]>().notNull(),
  overrides: text("overrides", { mode: "json" }).$type<DateOverride[]>().notNull().default([]),
  minNoticeMinutes: integer("min_notice_minutes").notNull().default(240),
  horizonDays: integer("horizon_days").notNull().default(30),
  bufferBeforeMinutes: integer("buffer_before_minutes").notNull().default(0),
  bufferAfterMinutes: integer("buffer_after_minutes").notNull().default(0),
  /** Most bookings on one (creator-local) day; null = no limit. */
  dailyMax: integer("daily_max"),
  /**
   * The change policy: a buyer may cancel with a full refund, or move a booking, until this many
   * hours before it starts; later, cancelling frees the time without a refund and moving is refused.
   */
  changeWindowHours: integer("change_window_hours").notNull().default(24),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * A booking of a service: a calendar slot (start/end, UTC seconds) or a fixed-package order (due date).
 * Paid ones record gross / fee / net like product orders; the slot itself is held and confirmed by the
 * creator's CreatorCalendar Durable Object (keyed by `holdId`).
 */
export const bookings = sqliteTable(
  "bookings",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    buyerId: text("buyer_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    startAt: integer("start_at"),
    endAt: integer("end_at"),
    /** fixed_package: when the deliverable is due. */
    dueAt: integer("due_at"),
    /** The calendar hold of this booking in the creator's CreatorCalendar object. */
    holdId: text("hold_id"),
    /** pending (held, awaiting payment) → confirmed | expired | canceled | refunded; packages: confirmed → delivered. */
    status: text("status").notNull(),
    checkoutSessionId: text("checkout_session_id").unique(),
    paymentIntentId: text("payment_intent_id"),
    currency: text("currency").notNull(),
    gross: integer("gross").notNull().default(0),
    fee: integer("fee").notNull().default(0),
    net: integer("net").notNull().default(0),
    /** What Stripe reports refunded on this payment (dashboard refunds included), mirrored by `syncCharge`; only grows. */
    amountRefunded: integer("amount_refunded").notNull().default(0),
    feeRefunded: integer("fee_refunded").notNull().default(0),
    transferReversed: integer("transfer_reversed").notNull().default(0),
    /** When the payment was first seen (partly) refunded. */
    refundedAt: integer("refunded_at"),
    /** Fixed packages: when the creator marked it delivered, and the link they delivered (optional). */
    deliveredAt: integer("delivered_at"),
    deliveryUrl: text("delivery_url"),
    /** Fixed packages: the creator's note to the buyer on delivery (optional, plain text). */
    deliveryNote: text("delivery_note"),
    /** The calendar entry's SEQUENCE: +1 on every move or cancellation (the .ics UID stays the booking id). */
    sequence: integer("sequence").notNull().default(0),
    /** The session pack this booking was redeemed from (no payment of its own). */
    packId: text("pack_id"),
    /** Booked length in minutes (hourly bookings choose it). */
    minutes: integer("minutes"),
    answers: text("answers", { mode: "json" }).$type<{ label: string; answer: string }[]>().notNull().default([]),
    /** The zone the buyer booked in (for their emails and pages). */
    buyerTimeZone: text("buyer_time_zone"),
    /** Why the platform refunded it by itself, e.g. "slot_taken" (paid after the hold lapsed and someone else booked). */
    refundReason: text("refund_reason"),
    /**
     * Booked as a guest (no one signed in): the booking belongs to the account of the email given, and
     * the guest manages it through a signed link in their emails (D131). `guestName` is the name they gave.
     */
    guest: integer("guest", { mode: "boolean" }).notNull().default(false),
    guestName: text("guest_name"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("bookings_buyer_idx").on(t.buyerId, t.createdAt),
    index("bookings_creator_idx").on(t.creatorId, t.startAt),
    index("bookings_pi_idx").on(t.paymentIntentId),
    uniqueIndex("bookings_hold_idx")
      .on(t.holdId)
      .where(sql`hold_id IS NOT NULL`),
  ],
);

/**
 * A bought session pack: N sessions redeemed one booking at a time until `expiresAt`. Redeeming is
 * one conditional UPDATE (`sessions_used < sessions_total`), so concurrent redemptions never
 * overdraw it; a canceled pack booking gives its session back.
 */
export const servicePacks = sqliteTable(
  "service_packs",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    buyerId: text("buyer_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionsTotal: integer("sessions_total").notNull(),
    sessionsUsed: integer("sessions_used").notNull().default(0),
    expiresAt: integer("expires_at").notNull(),
    /** pending (checkout open) → active | expired | refunded */
    status: text("status").notNull(),
    checkoutSessionId: text("checkout_session_id").unique(),
    paymentIntentId: text("payment_intent_id"),
    currency: text("currency").notNull(),
    gross: integer("gross").notNull().default(0),
    fee: integer("fee").notNull().default(0),
    net: integer("net").notNull().default(0),
    /** What Stripe reports refunded on this payment (dashboard refunds included), mirrored by `syncCharge`; only grows. */
    amountRefunded: integer("amount_refunded").notNull().default(0),
    feeRefunded: integer("fee_refunded").notNull().default(0),
    transferReversed: integer("transfer_reversed").notNull().default(0),
    /** When the payment was first seen (partly) refunded. */
    refundedAt: integer("refunded_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("service_packs_buyer_idx").on(t.buyerId, t.serviceId)],
);

/**
 * A guest's free booking waiting for its emailed confirmation (double opt-in, D131): the slot is held
 * in the creator's calendar (`holdId`) until `expiresAt`; nothing else exists (no account, no booking)
 * until the link is used, in one conditional UPDATE of `usedAt`.
 */
export const guestBookingRequests = sqliteTable(
  "guest_booking_requests",
  {
    tokenHash: text("token_hash").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    serviceId: text("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    holdId: text("hold_id").notNull(),
    startAt: integer("start_at").notNull(),
    endAt: integer("end_at").notNull(),
    minutes: integer("minutes").notNull(),
    answers: text("answers", { mode: "json" }).$type<{ label: string; answer: string }[]>().notNull().default([]),
    buyerTimeZone: text("buyer_time_zone"),
    /** The booking made when the link was used. */
    bookingId: text("booking_id"),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("guest_booking_requests_service_idx").on(t.serviceId, t.createdAt)],
);
