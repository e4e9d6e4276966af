import * as v from "valibot";

/**
 * An account email (D61: password reset, verification, email change), already rendered: the link
 * it carries exists nowhere else. `to: null` is the "no such account" path of a reset request: it
 * travels the same way and is dropped by the consumer, so both paths cost the same.
 */
export const AccountEmailMessage = v.object({
  type: v.literal("account_email"),
  /** Idempotency key (per link), claimed in `email_sends` before sending. */
  key: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  kind: v.pipe(v.string(), v.minLength(1), v.maxLength(40)),
  userId: v.nullable(v.string()),
  to: v.nullable(v.string()),
  subject: v.string(),
  html: v.string(),
  text: v.string(),
});
export type AccountEmailMessage = v.InferOutput<typeof AccountEmailMessage>;

/** Every transactional email kind; the key of each is its business event (order, invoice, refund …). */
export const TX_KINDS = [
  "purchase_receipt",
  "new_sale",
  "membership_started",
  "membership_renewed",
  "payment_failed",
  "membership_canceled",
  "membership_ended",
  "refund_issued",
  "new_member",
  "member_canceled",
  "payout_attention",
  "booking_confirmed",
  "booking_new",
  "booking_refunded",
  "booking_canceled",
  "booking_reminder",
  "booking_delivered",
  "webhook_disabled",
  "feedback_digest",
  "waitlist_offer",
] as const;
export type TxKind = (typeof TX_KINDS)[number];

/**
 * One transactional email. `key` is the idempotency key claimed before sending (D16): built from
 * the business event (e.g. `receipt:order:<checkout session>`, `refund:<re_…>`), never from the
 * webhook delivery, so the same event delivered three times, or by two different Stripe events,
 * sends one email.
 */
export const TxEmailMessage = v.object({
  type: v.literal("tx_email"),
  kind: v.picklist(TX_KINDS),
  key: v.pipe(v.string(), v.minLength(1), v.maxLength(300)),
  ref: v.record(v.string(), v.nullable(v.union([v.string(), v.number(), v.boolean()]))),
});
export type TxEmailMessage = v.InferOutput<typeof TxEmailMessage>;

/** A creator's message to a tier's members, for up to 100 recipients; once per (message, recipient). */
export const TierMessageEmail = v.object({
  type: v.literal("tier_message"),
  messageId: v.pipe(v.string(), v.minLength(1)),
  userIds: v.pipe(v.array(v.string()), v.maxLength(100)),
});
export type TierMessageEmail = v.InferOutput<typeof TierMessageEmail>;
