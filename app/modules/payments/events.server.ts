/**
 * Applying Stripe events. Every handler is idempotent and order-independent:
 *  - orders and invoices are keyed by Stripe ids (INSERT … ON CONFLICT DO NOTHING);
 *  - subscriptions, accounts and charges are RE-READ from Stripe, so whichever event arrives last
 *    (or twice) writes the same current state; a read older than the stored one never overwrites it;
 *  - seat changes go to the tier's Durable Object, itself idempotent on the Stripe ids.
 * Transient failures throw (the queue retries with backoff); nothing here swallows errors.
 */
import { applyRefundsToCommissions, recordInvoiceCommissions, recordOrderCommissions } from "~/modules/affiliates/service.server";
import { and, asc, eq, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { split } from "~/lib/money";
import { alreadyRefunded, getStripe, type Stripe } from "~/lib/stripe.server";
import { markSeatsChanged, seats } from "~/modules/tiers/seats.server";
import { applyAccount } from "./connect.server";
import { notifyNewPurchase, notifyNewSubscriber } from "~/modules/notifications/service.server";
import { queueTxEmail } from "~/modules/email/transactional.server";
import { emitCreatorEvent } from "~/modules/webhooks/emit.server";
import { checkouts, disputes, invoices, memberships, orders } from "./schema";
import {
  claimGuestInvoices,
  completeGuestCheckout,
  expireGuestCheckout,
  invoiceExists,
  livePaidMemberships,
  membershipBySubscription,
} from "./queries.server";
import { accountForGuestEmail } from "~/modules/identity/service.server";
import { applyServiceCheckoutCompleted, applyServiceCheckoutExpired, mirrorServiceRefund } from "~/modules/services/booking.server";
import {
  GUEST_BUYER,
  redeemDiscountStatement,
  refundDiscountStatement,
  refundTierDiscount,
  releaseDiscountForSession,
} from "~/modules/growth/discounts.server";
import { applyPromotionCheckoutCompleted, applyPromotionCheckoutExpired } from "~/modules/growth/promotions.server";

export const HANDLED_EVENTS = new Set([
  "checkout.session.completed",
  "checkout.session.expired",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
  "charge.refunded",
  "refund.created",
  "application_fee.refunded",
  "transfer.reversed",
  "refund.updated",
  "charge.dispute.created",
  "charge.dispute.updated",
  "charge.dispute.closed",
  "account.updated",
]);

const id = (x: string | { id: string } | null | undefined) => (typeof x === "string" ? x : (x?.id ?? null));

export async function applyStripeEvent(env: Env, event: Stripe.Event): Promise<"processed" | "ignored"> {
  if (!HANDLED_EVENTS.has(event.type)) return "ignored";
  const obj = event.data.object as unknown as Record<string, unknown>;
  switch (event.type) {
    case "checkout.session.completed":
      return onCheckoutCompleted(env, obj as unknown as Stripe.Checkout.Session);
    case "checkout.session.expired":
      return onCheckoutExpired(env, obj as unknown as Stripe.Checkout.Session);
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      return syncSubscription(env, String(obj.id));
    case "invoice.paid":
      return onInvoicePaid(env, obj as unknown as Stripe.Invoice);
    case "invoice.payment_failed":
      return onInvoicePaymentFailed(env, obj as unknown as Stripe.Invoice);
    case "charge.refunded":
      return syncCharge(env, String(obj.id));
    case "refund.created":
    case "refund.updated": {
      const charge = id(obj.charge as string | null);
      return charge ? syncCharge(env, charge) : "ignored";
    }
    case "application_fee.refunded":
    case "transfer.reversed": {
      // The fee refund / transfer reversal of a refund or lost dispute: re-read the charge it belongs to.
      const charge = id((obj.charge ?? obj.source_transaction) as string | null);
      return charge ? syncCharge(env, charge) : "ignored";
    }
    case "charge.dispute.created":
    case "charge.dispute.updated":
    case "charge.dispute.closed":
      return syncDispute(env, String(obj.id));
    case "account.updated": {
      const account = await getStripe(env).accounts.retrieve(String(obj.id));
      await applyAccount(env, account, Math.max(event.created, nowSeconds()));
      await emailIfAccountNeedsAttention(env, account);
      return "processed";
    }
  }
  return "ignored";
}

async function onCheckoutCompleted(env: Env, session: Stripe.Checkout.Session): Promise<"processed" | "ignored"> {
  const meta = session.metadata ?? {};
  const db = getDb(env);
  // Services (bookings, fixed packages, session packs): confirmed against the creator's calendar.
  if (meta.kind === "service") return applyServiceCheckoutCompleted(env, session);
  // Promoted listings (growth module): a platform charge confirming a placement slot.
  if (meta.kind === "promotion") return applyPromotionCheckoutCompleted(env, session);
  if (meta.kind === "product") {
    const guest = meta.guest === "1";
    if (session.payment_status !== "paid" || !meta.product_id || (!meta.buyer_id && !guest)) return "ignored";
    // A guest's order goes to the account of the email Checkout collected (made if new, D71); nobody is signed in.
    const email = session.customer_details?.email ?? session.customer_email;
    if (guest && !email) throw new Error(`guest checkout ${session.id} completed without an email`);
    const buyerId = guest ? (await accountForGuestEmail(env, email!)).id : meta.buyer_id!;
    const gross = session.amount_total ?? 0;
    const money = split(gross);
    const paymentIntentId = id(session.payment_intent as string | null);
    await db.batch([
      db
        .insert(orders)
        .values({
          id: newId(),
          checkoutSessionId: session.id,
          paymentIntentId,
          buyerId,
          creatorId: meta.creator_id!,
          productId: meta.product_id,
          currency: session.currency ?? "usd",
          ...money,
          status: "paid",
          guest,
          createdAt: session.created ?? nowSeconds(),
        })
        .onConflictDoNothing(),
      db.update(checkouts).set({ status: "complete" }).where(eq(checkouts.sessionId, session.id)),
      completeGuestCheckout(db, session.id, buyerId),
      // A discount code's use (D102): paid, so it stays counted for good.
      redeemDiscountStatement(db, session.id, buyerId),
    ]);
    // A guest isn't proven to be the account's owner, so their order is never refunded as the
    // account's duplicate (that would tell them the address already owned it, D71).
    const duplicate = !guest && (await refundIfDuplicateOrder(env, session.id, buyerId, meta.product_id));
    if (!duplicate) {
      await notifyNewPurchase(env, { creatorId: meta.creator_id!, productId: meta.product_id, orderKey: session.id });
      // Keyed on the order (its checkout session): one receipt and one sale alert however often this arrives.
      await queueTxEmail(env, "purchase_receipt", `receipt:order:${session.id}`, { sessionId: session.id });
      await queueTxEmail(env, "new_sale", `sale:order:${session.id}`, { sessionId: session.id });
      // Creators' webhooks: the order is read (current state, with its product) when it is sent.
      await emitCreatorEvent(env, meta.creator_id, "order.paid", { order: { checkout_session_id: session.id } }, session.id);
      // Affiliate and platform-referral commissions (decision 0110): once per order, however often this arrives.
      await recordOrderCommissions(env, session.id, meta);
    }
    if (paymentIntentId) await reconcilePayment(env, paymentIntentId);
    return "processed";
  }
  if (meta.kind === "tier") {
    await db.batch([
      db.update(checkouts).set({ status: "complete" }).where(eq(checkouts.sessionId, session.id)),
      // A discount code's use (D114): paid, so it counts for good (a full refund gives it back).
      redeemDiscountStatement(db, session.id, meta.user_id ?? GUEST_BUYER),
    ]);
    const subId = id(session.subscription as string | null);
    if (meta.guest === "1") {
      // A guest's join (D77): the membership goes to the account of the email Checkout collected
      // (made if new); the subscription learns whose it is, then is synced like any other. Nobody
      // is signed in; one paid membership per person holds by that account (syncSubscription).
      const email = session.customer_details?.email ?? session.customer_email;
      if (!email || !subId) throw new Error(`guest tier checkout ${session.id} completed without an email or subscription`);
      const account = await accountForGuestEmail(env, email);
      // A guest's code use (held as `guest`) now belongs to that account.
      await redeemDiscountStatement(db, session.id, account.id);
      await getStripe(env).subscriptions.update(
        subId,
        { metadata: { user_id: account.id } },
        { idempotencyKey: `guest-member-${session.id}` },
      );
      await syncSubscription(env, subId);
      // An invoice.paid applied before this knew no member: it's theirs, and so is its welcome email
      // (which, for a new account, carries the link that sets a password).
      await claimGuestInvoices(env, subId, account.id);
      // Its affiliate commission waited for the member to be known (self-referral is checked by account).
      const invoiceIdForCommission = id((await getStripe(env).subscriptions.retrieve(subId)).latest_invoice as string | null);
      if (invoiceIdForCommission && (await invoiceExists(env, invoiceIdForCommission)))
        await recordInvoiceCommissions(env, invoiceIdForCommission, { ...meta, user_id: account.id });
      const m = await membershipBySubscription(env, subId);
      const undone = m?.status === "canceled" && (m.note || m.endReason);
      const sub = await getStripe(env).subscriptions.retrieve(subId);
      const invoiceId = id(sub.latest_invoice as string | null);
      if (m && !undone && invoiceId && (await invoiceExists(env, invoiceId)))
        await queueTxEmail(env, "membership_started", `membership-started:${subId}`, { invoiceId, subscriptionId: subId });
      await completeGuestCheckout(db, session.id, account.id);
      return "processed";
    }
    if (subId) await syncSubscription(env, subId);
    return "processed";
  }
  return "ignored";
}

/**
 * One paid order per person per product (D52). The order kept is the person's first paid one
 * (oldest, then lowest id): the same answer whichever completion is applied first, or both at once.
 * Every other paid order of the product is refunded in full through Stripe (fee and transfer
 * returned) and marked `refund_reason = 'duplicate'`; the refund itself is then recorded as Stripe
 * did it (D35) by `syncCharge`. Returns whether the order of `sessionId` was such a duplicate.
 */
async function refundIfDuplicateOrder(env: Env, sessionId: string, buyerId: string, productId: string): Promise<boolean> {
  const db = getDb(env);
  const paid = await db
    .select({
      id: orders.id,
      sessionId: orders.checkoutSessionId,
      paymentIntentId: orders.paymentIntentId,
      refundReason: orders.refundReason,
    })
    .from(orders)
    .where(
      and(
        eq(orders.buyerId, buyerId),
        eq(orders.productId, productId),
        eq(orders.guest, false),
        sql`(${orders.status} = 'paid' OR ${orders.refundReason} = 'duplicate')`,
      ),
    )
    .orderBy(asc(orders.createdAt), asc(orders.id));
  const extra = paid.slice(1);
  for (const o of extra) {
    if (o.paymentIntentId && o.refundReason !== "duplicate") {
      await getStripe(env)
        .refunds.create(
          {
            payment_intent: o.paymentIntentId,
            reason: "duplicate",
            refund_application_fee: true,
            reverse_transfer: true,
            metadata: { order_id: o.id },
          },
          { idempotencyKey: `duplicate-refund-${o.sessionId}` },
        )
        .catch((e: unknown) => {
          if (!alreadyRefunded(e)) throw e;
        });
      await db.update(orders).set({ refundReason: "duplicate" }).where(eq(orders.id, o.id));
      const charge = id((await getStripe(env).paymentIntents.retrieve(o.paymentIntentId)).latest_charge as string | null);
      if (charge) await syncCharge(env, charge);
    }
  }
  return extra.some((o) => o.sessionId === sessionId);
}

async function onCheckoutExpired(env: Env, session: Stripe.Checkout.Session): Promise<"processed" | "ignored"> {
  const db = getDb(env);
  if (session.metadata?.kind === "promotion") return applyPromotionCheckoutExpired(env, session);
  // A discount code's use held by this unpaid session goes back at once (products, tiers, services).
  await releaseDiscountForSession(env, session.id);
  if (session.metadata?.kind === "service") return applyServiceCheckoutExpired(env, session);
  const guest = await expireGuestCheckout(env, session.id);
  if (guest?.tierId && guest.holdId) {
    // A guest's unpaid tier checkout (D77): its seat goes back at once.
    await seats(env, guest.tierId).release({ holdId: guest.holdId });
    await markSeatsChanged(env, guest.tierId);
  }
  const c = await db.query.checkouts.findFirst({ where: eq(checkouts.sessionId, session.id) });
  if (!c) return "ignored";
  await db
    .update(checkouts)
    .set({ status: "expired" })
    .where(and(eq(checkouts.sessionId, session.id), eq(checkouts.status, "open")));
  if (c.tierId) {
    await seats(env, c.tierId).release({ holdId: c.holdId, sessionId: session.id });
    await markSeatsChanged(env, c.tierId);
  }
  return "processed";
}

function invoiceSubscriptionId(inv: Stripe.Invoice): string | null {
  const parent = (inv as unknown as { parent?: { subscription_details?: { subscription?: string | { id: string } } } }).parent;
  return id(parent?.subscription_details?.subscription ?? (inv as unknown as { subscription?: string }).subscription ?? null);
}

const SEAT_STATUSES = new Set(["active", "trialing", "past_due"]);
const ENDED_STATUSES = new Set(["canceled", "incomplete_expired"]);

/**
 * Re-reads a subscription from Stripe and makes D1 and the tier's seats match it. If the tier
 * turned out to be full (the hold had lapsed and someone else took the seat) the subscription is
 * canceled and its payment refunded — a confirmed member never pushes a tier over its cap.
 */
export async function syncSubscription(env: Env, subscriptionId: string): Promise<"processed" | "ignored"> {
  const stripe = getStripe(env);
  const readAt = Date.now();
  const sub = await stripe.subscriptions.retrieve(subscriptionId);
  const meta = sub.metadata ?? {};
  if (!meta.tier_id || !meta.user_id) return "ignored";
  const tierId = meta.tier_id;
  const stub = seats(env, tierId);
  // After a tier switch (D65) the seat in the new tier has its own key (the switch id).
  const seatKey = meta.seat_key ?? sub.id;
  const db = getDb(env);
  const row = await membershipBySubscription(env, sub.id);
  // A read older than the row (a late event of before a switch) must not move seats around.
  const stale = !!row && row.syncedAt >= readAt;
  const moved = !!row && row.tierId !== tierId;
  let status: string = sub.status;
  let note: string | null = null;
  let endReason: string | null = null;
  if (stale && moved) {
    // This read names a tier the membership has already left: its seat there is gone for good.
    if (meta.hold_id) await stub.release({ holdId: meta.hold_id });
    await stub.end(seatKey);
  } else if (SEAT_STATUSES.has(status)) {
    const r = await stub.confirm({ holdId: meta.hold_id ?? null, subscriptionId: seatKey, userId: meta.user_id });
    if (r.ok && moved && row) {
      // The new seat is confirmed: only now is the old one given up.
      await seats(env, row.tierId).end(row.seatKey ?? sub.id);
      await markSeatsChanged(env, row.tierId);
    }
    if (!r.ok && r.reason === "full") {
      await refundAndCancel(env, sub, "overcap");
      status = "canceled";
      note = "This tier filled up before your payment went through, so we canceled and refunded it.";
    } else if (!r.ok && r.reason === "duplicate") {
      // Paid twice for one tier (D52): the membership they already have stays; this one is undone.
      await refundAndCancel(env, sub, "duplicate");
      await stub.end(seatKey);
      // A guest's hold belongs to its checkout, not to the account (D77): it goes back too.
      if (meta.hold_id) await stub.release({ holdId: meta.hold_id });
      status = "canceled";
      endReason = "duplicate";
      note = "You were already a member of this tier, so this second subscription was canceled and its payment refunded.";
    }
  } else if (ENDED_STATUSES.has(status)) {
    await stub.end(seatKey);
    if (meta.hold_id) await stub.release({ holdId: meta.hold_id });
    if (row && moved) await seats(env, row.tierId).end(row.seatKey ?? sub.id);
  }
  const pending = SEAT_STATUSES.has(status) && !stale ? await pendingSwitch(env, sub) : null;
  if (row?.pendingSwitchId && row.pendingTierId && row.pendingSwitchId !== pending?.switchId && row.pendingSwitchId !== seatKey && !stale) {
    // A pending downgrade was withdrawn or the membership ended: its held seat goes back.
    await seats(env, row.pendingTierId).release({ holdId: row.pendingSwitchId });
    await markSeatsChanged(env, row.pendingTierId);
  }
  const item = sub.items?.data?.[0];
  const price = item?.price;
  const s = sub as unknown as { current_period_start?: number; current_period_end?: number };
  const values = {
    stripeCustomerId: id(sub.customer as string),
    status,
    interval: price?.recurring?.interval ?? null,
    amount: (price?.unit_amount ?? 0) * (item?.quantity ?? 1),
    currency: sub.currency,
    currentPeriodStart: item?.current_period_start ?? s.current_period_start ?? null,
    currentPeriodEnd: item?.current_period_end ?? s.current_period_end ?? null,
    cancelAtPeriodEnd: !!sub.cancel_at_period_end,
    tierId,
    seatKey,
    pendingTierId: pending?.tierId ?? null,
    pendingInterval: pending?.interval ?? null,
    pendingAmount: pending?.amount ?? null,
    pendingAt: pending?.at ?? null,
    pendingScheduleId: pending?.scheduleId ?? null,
    pendingSwitchId: pending?.switchId ?? null,
    syncedAt: readAt,
    updatedAt: nowSeconds(),
  };
  await db
    .insert(memberships)
    .values({
      id: newId(),
      stripeSubscriptionId: sub.id,
      userId: meta.user_id,
      creatorId: meta.creator_id ?? "",
      note,
      endReason,
      createdAt: sub.created ?? nowSeconds(),
      ...values,
    })
    .onConflictDoUpdate({
      target: memberships.stripeSubscriptionId,
      // A terminal state is final; otherwise only a newer read may overwrite.
      set: { ...values, note: note ?? sql`${memberships.note}`, endReason: endReason ?? sql`${memberships.endReason}` },
      setWhere: sql`${memberships.syncedAt} < ${readAt} AND ${memberships.status} != 'canceled'`,
    });
  if (SEAT_STATUSES.has(status)) {
    await notifyNewSubscriber(env, { creatorId: meta.creator_id ?? "", tierId, membershipKey: sub.id });
    // A second paid membership of this creator is undone at once: its member and creator get
    // no "new member" or "canceled" mail for it (the refund mail tells the member what happened).
    const kept = await keepOnePaidMembership(env, meta.user_id, meta.creator_id ?? "", sub.id);
    if (kept) await queueTxEmail(env, "new_member", `member-new:${sub.id}`, { subscriptionId: sub.id });
    if (kept && sub.cancel_at_period_end) {
      // Canceled by the member (ends at period end): told once per end date; the creator once per membership.
      const endsAt = values.currentPeriodEnd;
      await queueTxEmail(env, "membership_canceled", `membership-canceled:${sub.id}:${endsAt ?? ""}`, {
        subscriptionId: sub.id,
        at: endsAt,
      });
      await queueTxEmail(env, "member_canceled", `member-canceled:${sub.id}`, { subscriptionId: sub.id });
    }
  }
  if (status === "canceled") {
    await queueTxEmail(env, "membership_ended", `membership-ended:${sub.id}`, { subscriptionId: sub.id, at: null });
    // A subscription we undid ourselves (tier full, duplicate) never was a member to the creator.
    if (!note) await queueTxEmail(env, "member_canceled", `member-canceled:${sub.id}`, { subscriptionId: sub.id });
  }
  if (status === "canceled") {
    // Make sure a canceled state written by a racing older read can't linger as live.
    await db
      .update(memberships)
      .set({
        status: "canceled",
        cancelAtPeriodEnd: values.cancelAtPeriodEnd,
        updatedAt: nowSeconds(),
        ...(endReason ? { endReason, note } : {}),
      })
      .where(eq(memberships.stripeSubscriptionId, sub.id));
  }
  await markSeatsChanged(env, tierId);
  await emitMembershipEvents(env, sub.id, meta, row ?? null, { ...values, status }, !!note, stale);
  return "processed";
}

/**
 * Creators' webhooks for a synced subscription. Keys make each fire once: `created` per
 * subscription (when it first holds a seat), `canceled` per subscription, `updated` per distinct state (status, tier, renewal
 * date, cancel-at-period-end) seen after the first sync. A subscription we undid ourselves (tier
 * full, duplicate) was never a member, so it sends nothing.
 */
async function emitMembershipEvents(
  env: Env,
  subId: string,
  meta: Record<string, string>,
  before: { status: string; tierId: string; cancelAtPeriodEnd: boolean; currentPeriodEnd: number | null } | null,
  now: {
    status: string;
    tierId: string;
    cancelAtPeriodEnd: boolean;
    currentPeriodEnd: number | null;
    amount: number;
    currency: string;
    interval: string | null;
  },
  undone: boolean,
  stale: boolean,
) {
  if (undone || stale || !meta.creator_id) return;
  const data = {
    membership: {
      id: subId,
      tier_id: now.tierId,
      status: now.status,
      amount: now.amount,
      currency: now.currency,
      interval: now.interval,
      current_period_end: now.currentPeriodEnd,
      cancel_at_period_end: now.cancelAtPeriodEnd,
    },
    customer: { id: meta.user_id },
  };
  if (now.status === "canceled") return emitCreatorEvent(env, meta.creator_id, "membership.canceled", data, subId);
  if (!SEAT_STATUSES.has(now.status)) return;
  if (!before || !SEAT_STATUSES.has(before.status)) return emitCreatorEvent(env, meta.creator_id, "membership.created", data, subId);
  const changed =
    before.status !== now.status ||
    before.tierId !== now.tierId ||
    before.cancelAtPeriodEnd !== now.cancelAtPeriodEnd ||
    before.currentPeriodEnd !== now.currentPeriodEnd;
  if (changed)
    await emitCreatorEvent(
      env,
      meta.creator_id,
      "membership.updated",
      data,
      `${subId}:${now.status}:${now.tierId}:${now.cancelAtPeriodEnd ? 1 : 0}:${now.currentPeriodEnd ?? ""}`,
    );
}

/**
 * A downgrade waiting for the period end (D66): the subscription's schedule, whose next phase
 * carries the new price and, in its metadata, the new tier and seat key. Re-read on every sync, so
 * the row always shows what Stripe will do at the renewal.
 */
async function pendingSwitch(env: Env, sub: Stripe.Subscription) {
  const scheduleId = id(sub.schedule as string | null);
  if (!scheduleId) return null;
  const stripe = getStripe(env);
  const schedule = await stripe.subscriptionSchedules.retrieve(scheduleId);
  if (schedule.status !== "active" && schedule.status !== "not_started") return null;
  const periodEnd = sub.items.data[0]?.current_period_end ?? 0;
  const next = schedule.phases.find((p) => p.start_date >= periodEnd);
  const priceId = next ? id(next.items[0]?.price as string | null) : null;
  if (!next || !priceId) return null;
  const price = await stripe.prices.retrieve(priceId);
  return {
    scheduleId,
    at: next.start_date,
    tierId: next.metadata?.tier_id ?? sub.metadata?.tier_id ?? null,
    switchId: next.metadata?.hold_id && next.metadata.hold_id !== sub.metadata?.hold_id ? next.metadata.hold_id : null,
    interval: price.recurring?.interval ?? null,
    amount: price.unit_amount ?? null,
  };
}

const ONE_PAID_NOTE =
  "You already had a paid membership with this creator, so this second subscription was canceled and its payment refunded. To change tiers, use “Switch to this tier” on the tier page.";

/**
 * One paid membership per person per creator (D65). Two checkouts for different tiers of one
 * creator opened before either was paid can both complete; the membership kept is the person's
 * oldest (created, then subscription id) — the same answer whichever completion is applied first —
 * and every other one is canceled and refunded in full like a duplicate (D52).
 */
async function keepOnePaidMembership(env: Env, userId: string, creatorId: string, subscriptionId: string): Promise<boolean> {
  const live = await livePaidMemberships(env, userId, creatorId);
  const extras = live.slice(1);
  for (const extra of extras) {
    const sub = await getStripe(env).subscriptions.retrieve(extra.stripeSubscriptionId!);
    await refundAndCancel(env, sub, "duplicate");
    await seats(env, extra.tierId).end(extra.seatKey ?? sub.id);
    await getDb(env)
      .update(memberships)
      .set({ status: "canceled", endReason: "duplicate", note: ONE_PAID_NOTE, updatedAt: nowSeconds() })
      .where(eq(memberships.id, extra.id));
    await markSeatsChanged(env, extra.tierId);
  }
  return !extras.some((m) => m.stripeSubscriptionId === subscriptionId);
}

/** Cancels a subscription now; one that is already canceled (a retry, a race) is fine. */
async function cancelNow(env: Env, sub: Stripe.Subscription, idempotencyKey: string) {
  if (sub.status === "canceled") return;
  await getStripe(env)
    .subscriptions.cancel(sub.id, {}, { idempotencyKey })
    .catch((e: { code?: string; stripeMessage?: string }) => {
      if (e.code !== "resource_missing" && !/already been canceled/.test(String(e.stripeMessage ?? (e as Error).message))) throw e;
    });
}

/**
 * A creator removes a paying member: optionally refund the subscription's latest invoice in full
 * (fee returned, transfer reversed — the same refund as the dashboard's), then cancel now at
 * Stripe and re-read, which frees the seat and marks the row canceled. Idempotent on the
 * subscription id; Stripe's events later say the same thing.
 */
export async function removeSubscription(env: Env, subscriptionId: string, refundLatest: boolean) {
  const stripe = getStripe(env);
  const sub = await stripe.subscriptions.retrieve(subscriptionId);
  if (refundLatest) {
    const latest = id(sub.latest_invoice as string | null);
    const pi = latest ? await invoicePaymentIntent(env, latest) : null;
    if (pi) {
      await stripe.refunds
        .create(
          {
            payment_intent: pi,
            reason: "requested_by_customer",
            refund_application_fee: true,
            reverse_transfer: true,
            metadata: { removed_by_creator: "true" },
          },
          { idempotencyKey: `remove-refund-${sub.id}` },
        )
        .catch((e: unknown) => {
          if (!alreadyRefunded(e)) throw e;
        });
      const charge = id((await stripe.paymentIntents.retrieve(pi)).latest_charge as string | null);
      if (charge) await syncCharge(env, charge);
    }
  }
  await cancelNow(env, await stripe.subscriptions.retrieve(subscriptionId), `remove-cancel-${sub.id}`);
  await syncSubscription(env, sub.id);
}

type InvoicePayments = {
  payment_intent?: string | { id: string } | null;
  payments?: { data?: { status?: string; payment?: { payment_intent?: string | { id: string } } }[] };
};

/**
 * The PaymentIntent that paid an invoice: from the payload when present, else re-read (newer API
 * shapes need `expand`). An invoice lists every attempt (failed ones too, in no promised order):
 * only the `paid` one counts.
 */
async function invoicePaymentIntent(env: Env, inv: Stripe.Invoice | string): Promise<string | null> {
  const fromShape = (x: InvoicePayments) =>
    id(x.payments?.data?.find((p) => p.status === "paid")?.payment?.payment_intent ?? x.payment_intent ?? null);
  if (typeof inv !== "string") {
    const found = fromShape(inv as unknown as InvoicePayments);
    if (found) return found;
  }
  const invoiceId = typeof inv === "string" ? inv : inv.id!;
  return fromShape((await getStripe(env).invoices.retrieve(invoiceId, { expand: ["payments"] })) as unknown as InvoicePayments);
}

/**
 * Undoes a subscription we can't keep — the tier was full (`overcap`) or the person already had a
 * membership of it (`duplicate`): cancel it now, refund its payment in full (fee and transfer
 * returned); the refund is then recorded as Stripe did it (D35) when its events arrive.
 */
async function refundAndCancel(env: Env, sub: Stripe.Subscription, why: "overcap" | "duplicate") {
  const stripe = getStripe(env);
  await cancelNow(env, sub, `${why}-cancel-${sub.id}`);
  const latest = id(sub.latest_invoice as string | null);
  if (!latest) return;
  const pi = await invoicePaymentIntent(env, latest);
  if (pi) {
    await stripe.refunds
      .create(
        {
          payment_intent: pi,
          refund_application_fee: true,
          reverse_transfer: true,
          ...(why === "duplicate" ? { reason: "duplicate" as const } : {}),
        },
        { idempotencyKey: `${why}-refund-${sub.id}` },
      )
      .catch((e: unknown) => {
        if (!alreadyRefunded(e)) throw e;
      });
  }
  await getDb(env).update(invoices).set({ status: "refunded" }).where(eq(invoices.id, latest));
}

async function onInvoicePaid(env: Env, inv: Stripe.Invoice): Promise<"processed" | "ignored"> {
  const subId = invoiceSubscriptionId(inv);
  if (!subId) return "ignored";
  const parentMeta =
    (inv as unknown as { parent?: { subscription_details?: { metadata?: Record<string, string> } } }).parent?.subscription_details
      ?.metadata ?? {};
  let meta = parentMeta;
  // A guest's subscription learns its member only when its checkout completes (D77): re-read it.
  if (!meta.tier_id || !meta.user_id) meta = (await getStripe(env).subscriptions.retrieve(subId)).metadata ?? {};
  if (!meta.tier_id) return "ignored";
  const gross = inv.amount_paid ?? 0;
  const paymentIntentId = gross > 0 ? await invoicePaymentIntent(env, inv) : null;
  // A discount code that made a payment free (D138): recorded as a $0 invoice (no fee, no payment),
  // so the member gets a receipt and counts as having joined; other $0 invoices (trials) aren't.
  const freeByCode = gross === 0 && (inv.total_discount_amounts ?? []).some((d) => d.amount > 0);
  if (gross > 0 || freeByCode) {
    await getDb(env)
      .insert(invoices)
      .values({
        id: inv.id!,
        stripeSubscriptionId: subId,
        userId: meta.user_id ?? null,
        creatorId: meta.creator_id ?? "",
        tierId: meta.tier_id,
        currency: inv.currency,
        ...split(gross),
        status: "paid",
        paymentIntentId,
        paidAt: inv.status_transitions?.paid_at ?? inv.created,
      })
      .onConflictDoUpdate({ target: invoices.id, set: { paymentIntentId }, setWhere: sql`${invoices.paymentIntentId} IS NULL` });
  }
  await syncSubscription(env, subId);
  if (paymentIntentId) await reconcilePayment(env, paymentIntentId);
  // Affiliate commission (first invoice and renewals within the program's months) and the referrer's share of the fee.
  if (gross > 0) await recordInvoiceCommissions(env, inv.id!, meta);
  if (gross > 0 || freeByCode) {
    const m = await getDb(env).query.memberships.findFirst({
      where: eq(memberships.stripeSubscriptionId, subId),
      columns: { status: true, note: true, endReason: true },
    });
    // No welcome or receipt for a subscription we undid (tier full, duplicate): its refund email says what happened.
    const undone = m?.status === "canceled" && (m.note || m.endReason);
    if (m && !undone) {
      const first = inv.billing_reason === "subscription_create";
      await queueTxEmail(
        env,
        first ? "membership_started" : "membership_renewed",
        first ? `membership-started:${subId}` : `invoice-receipt:${inv.id}`,
        { invoiceId: inv.id!, subscriptionId: subId },
      );
    }
  }
  return "processed";
}

/** A renewal payment failed: re-read the subscription, and tell the member once per failed attempt of that invoice. */
async function onInvoicePaymentFailed(env: Env, inv: Stripe.Invoice): Promise<"processed" | "ignored"> {
  const subId = invoiceSubscriptionId(inv);
  if (!subId) return "ignored";
  if ((await syncSubscription(env, subId)) === "ignored") return "ignored";
  await queueTxEmail(env, "payment_failed", `payment-failed:${inv.id}:${inv.attempt_count ?? 0}`, {
    subscriptionId: subId,
    invoiceId: inv.id!,
    amountDue: inv.amount_due ?? 0,
    currency: inv.currency,
  });
  return "processed";
}

/**
 * After onboarding, an account that can't take payments or pay out, or owes Stripe information,
 * gets one email per distinct state (the state is the key, so a re-delivered or re-read
 * account.updated sends nothing new).
 */
async function emailIfAccountNeedsAttention(env: Env, account: Stripe.Account) {
  if (!account.details_submitted) return; // still onboarding: the Payouts page says what's next
  const req = account.requirements;
  const due = [...new Set([...(req?.past_due ?? []), ...(req?.currently_due ?? [])])].sort();
  const charges = !!account.charges_enabled;
  const payouts = !!account.payouts_enabled;
  if (charges && payouts && !due.length) return;
  const state = `${charges ? 1 : 0}${payouts ? 1 : 0}:${req?.disabled_reason ?? ""}:${due.join(",")}`;
  await queueTxEmail(env, "payout_attention", `payout-attention:${account.id}:${state}`.slice(0, 300), {
    accountId: account.id,
    due: due.join(","),
    chargesEnabled: charges,
    payoutsEnabled: payouts,
  });
}

/**
 * A payment's record was just written: apply whatever arrived before it. A refund is re-read from
 * Stripe (the charge); a dispute is applied from the `disputes` row its event already stored.
 */
async function reconcilePayment(env: Env, paymentIntentId: string) {
  const pi = await getStripe(env).paymentIntents.retrieve(paymentIntentId);
  const charge = id(pi.latest_charge as string | null);
  if (charge) await syncCharge(env, charge);
  await applyDisputes(env, paymentIntentId);
}

/**
 * Re-reads a charge and records its refunds on the order or subscription invoice it paid (the
 * same rule for both): `amount_refunded` in minor units; a full refund sets status `refunded`.
 * It also records what Stripe actually did with the money: how much of the application fee it
 * gave back and how much of the creator's transfer it reversed. A refund made in Stripe's own
 * dashboard does neither by default (the platform funds it), one made with
 * `refund_application_fee` / `reverse_transfer` returns both in proportion, with Stripe's rounding
 * — so the app never computes those amounts, it reads them.
 * A fully refunded order loses access; a fully refunded invoice that is the subscription's LATEST
 * ends the membership (the subscription is canceled at Stripe so it doesn't charge again).
 * Refunds of older invoices and partial refunds are recorded only. Earnings count what was kept.
 */
export async function syncCharge(env: Env, chargeId: string): Promise<"processed" | "ignored"> {
  const charge = await getStripe(env).charges.retrieve(chargeId, { expand: ["application_fee", "transfer"] });
  const pi = id(charge.payment_intent as string | null);
  const fee = charge.application_fee as Stripe.ApplicationFee | string | null;
  const transfer = charge.transfer as Stripe.Transfer | string | null;
  const feeRefunded = typeof fee === "object" && fee ? fee.amount_refunded : 0;
  const transferReversed = typeof transfer === "object" && transfer ? transfer.amount_reversed : 0;
  if (!pi || !(charge.amount_refunded || feeRefunded || transferReversed)) return "processed";
  const db = getDb(env);
  const refunded = charge.amount_refunded;
  const full = !!charge.refunded;
  const t = nowSeconds();
  // Refunds and reversals only grow, so the larger amount is the newer read (a late, older read never shrinks it).
  const grow = (col: SQLiteColumn, value: number) => sql<number>`MAX(${col}, ${value})`;
  await db.batch([
    db
      .update(orders)
      .set({
        amountRefunded: grow(orders.amountRefunded, refunded),
        feeRefunded: grow(orders.feeRefunded, feeRefunded),
        transferReversed: grow(orders.transferReversed, transferReversed),
      })
      .where(eq(orders.paymentIntentId, pi)),
    db
      .update(invoices)
      .set({
        amountRefunded: grow(invoices.amountRefunded, refunded),
        feeRefunded: grow(invoices.feeRefunded, feeRefunded),
        transferReversed: grow(invoices.transferReversed, transferReversed),
      })
      .where(eq(invoices.paymentIntentId, pi)),
    ...(full
      ? [
          db
            .update(orders)
            .set({ status: "refunded", refundedAt: t })
            .where(and(eq(orders.paymentIntentId, pi), sql`${orders.status} != 'refunded'`)),
          db
            .update(invoices)
            .set({ status: "refunded", refundedAt: t })
            .where(and(eq(invoices.paymentIntentId, pi), sql`${invoices.status} != 'refunded'`)),
          // A discount code's use comes back with a full refund (D113).
          refundDiscountStatement(db, pi),
        ]
      : []),
  ]);
  // Service bookings and packs keep their own rows (the ledger view reads them like orders).
  await mirrorServiceRefund(env, pi, { refunded, feeRefunded, transferReversed, full });
  if (refunded > 0) await emailRefunds(env, chargeId, pi);
  // Commissions on this payment are reversed in proportion to what was refunded (decision 0110).
  if (refunded > 0) await applyRefundsToCommissions(env, pi, refunded);
  if (refunded > 0) {
    // Creators' webhooks: once per refunded amount of an order (a partial refund, then the rest, are two events).
    const o = await db.query.orders.findFirst({
      where: eq(orders.paymentIntentId, pi),
      columns: { creatorId: true, checkoutSessionId: true },
    });
    if (o)
      await emitCreatorEvent(
        env,
        o.creatorId,
        "order.refunded",
        { order: { checkout_session_id: o.checkoutSessionId }, refund: { amount_refunded: refunded, full } },
        `${o.checkoutSessionId}:${refunded}`,
      );
  }
  if (full) {
    const inv = await db.query.invoices.findFirst({ where: eq(invoices.paymentIntentId, pi) });
    if (inv) {
      await endMembershipIfLatest(env, inv.id, inv.stripeSubscriptionId);
      await giveBackTierCodeUse(env, inv.id, inv.stripeSubscriptionId);
    }
  }
  return "processed";
}

/**
 * A tier code's use comes back (D137) when the full refund undid the membership it was typed for:
 * the refunded invoice is the subscription's first (the payment Checkout took with the code) and the
 * subscription has ended. A refunded renewal, a partial refund, or a first payment refunded while the
 * membership goes on keep the use. Re-read from Stripe and conditional on `redeemed`: safe to redeliver.
 */
async function giveBackTierCodeUse(env: Env, invoiceId: string, subscriptionId: string) {
  const stripe = getStripe(env);
  const sub = await stripe.subscriptions.retrieve(subscriptionId);
  const redemptionId = sub.metadata?.discount_redemption_id;
  if (!redemptionId || !ENDED_STATUSES.has(sub.status)) return;
  const inv = await stripe.invoices.retrieve(invoiceId);
  if (inv.billing_reason !== "subscription_create") return;
  await refundTierDiscount(env, redemptionId);
}

/**
 * One email per refund (keyed on the Stripe refund id) of a payment we recorded; a refund seen
 * before its order/invoice is written is emailed when `reconcilePayment` re-reads the charge.
 */
async function emailRefunds(env: Env, chargeId: string, paymentIntentId: string) {
  const db = getDb(env);
  const [order, inv] = await Promise.all([
    db.query.orders.findFirst({ where: eq(orders.paymentIntentId, paymentIntentId), columns: { id: true } }),
    db.query.invoices.findFirst({ where: eq(invoices.paymentIntentId, paymentIntentId), columns: { id: true } }),
  ]);
  if (!order && !inv) return;
  const list = await getStripe(env).refunds.list({ charge: chargeId, limit: 100 });
  for (const r of list.data) {
    if (r.status === "failed" || r.status === "canceled") continue;
    await queueTxEmail(env, "refund_issued", `refund:${r.id}`, {
      refundId: r.id,
      paymentIntentId,
      amount: r.amount,
      currency: r.currency,
    });
  }
}

const REFUND_ENDED_NOTE = "Your latest payment was refunded, so this membership has ended.";
const DISPUTE_LOST_NOTE = "A payment for this membership was disputed and the dispute was lost, so this membership has ended.";

async function endMembershipIfLatest(env: Env, invoiceId: string, subscriptionId: string) {
  const sub = await getStripe(env).subscriptions.retrieve(subscriptionId);
  if (id(sub.latest_invoice as string | null) !== invoiceId) return; // an older period: recorded, access unchanged
  await endMembership(env, sub, `refund-cancel-${invoiceId}`, REFUND_ENDED_NOTE);
}

/** Cancels the subscription at Stripe (idempotent), re-reads it (seat freed, row canceled) and tells the member why. */
async function endMembership(env: Env, sub: Stripe.Subscription, idempotencyKey: string, note: string) {
  await cancelNow(env, sub, idempotencyKey);
  await syncSubscription(env, sub.id);
  await getDb(env)
    .update(memberships)
    .set({ note })
    .where(and(eq(memberships.stripeSubscriptionId, sub.id), sql`${memberships.note} IS NULL`));
}

/** Stripe's final dispute outcomes; everything else (needs_response, under_review, warning_*) is open. */
const DISPUTE_FINAL = new Set(["won", "lost", "warning_closed"]);
const disputeWon = (status: string) => status === "won" || status === "warning_closed";

/**
 * created / updated / closed all re-read the dispute, so whichever arrives last (or twice, or
 * closed before created) leaves the current state. A final status is never overwritten by an open one.
 */
export async function syncDispute(env: Env, disputeId: string): Promise<"processed" | "ignored"> {
  const d = await getStripe(env).disputes.retrieve(disputeId);
  const db = getDb(env);
  const pi = id(d.payment_intent as string | null);
  const closedAt = DISPUTE_FINAL.has(d.status) ? nowSeconds() : null;
  await db
    .insert(disputes)
    .values({
      id: d.id,
      chargeId: id(d.charge as string)!,
      paymentIntentId: pi,
      amount: d.amount,
      currency: d.currency,
      reason: d.reason ?? null,
      status: d.status,
      closedAt,
      createdAt: d.created,
    })
    .onConflictDoUpdate({
      target: disputes.id,
      set: { status: d.status, closedAt, amount: d.amount },
      setWhere: sql`${disputes.status} NOT IN ('won', 'lost', 'warning_closed')`,
    });
  if (pi) await applyDisputes(env, pi);
  // A lost dispute takes the money back from the platform; record what Stripe reports it did with
  // the fee and the creator's transfer (re-read, like a refund), so earnings match Stripe.
  if (d.status === "lost") await syncCharge(env, id(d.charge as string)!);
  return "processed";
}

/**
 * Applies the stored dispute of a payment to its order / invoice: open or lost → `disputed`
 * (no access, not counted); won → back to `paid` (only what the dispute took: a refunded payment stays refunded).
 * A `disputed` invoice is what pauses its membership (content/entitlements `membershipPaused`), so
 * a won dispute lifts exactly the pause it caused and nothing else (D28). A lost dispute on a
 * subscription payment ends the membership: the subscription is canceled at Stripe (so it stops
 * charging), which frees its seat.
 */
async function applyDisputes(env: Env, paymentIntentId: string) {
  const db = getDb(env);
  const d = await db.query.disputes.findFirst({ where: eq(disputes.paymentIntentId, paymentIntentId) });
  if (!d) return;
  const [from, to] = disputeWon(d.status) ? ["disputed", "paid"] : ["paid", "disputed"];
  await db.batch([
    db
      .update(orders)
      .set({ status: to })
      .where(and(eq(orders.paymentIntentId, paymentIntentId), eq(orders.status, from))),
    db
      .update(invoices)
      .set({ status: to })
      .where(and(eq(invoices.paymentIntentId, paymentIntentId), eq(invoices.status, from))),
  ]);
  if (d.status !== "lost") return;
  const inv = await db.query.invoices.findFirst({ where: eq(invoices.paymentIntentId, paymentIntentId) });
  if (!inv) return; // an order, or an invoice not recorded yet (its invoice.paid applies this again)
  const sub = await getStripe(env).subscriptions.retrieve(inv.stripeSubscriptionId);
  await endMembership(env, sub, `dispute-lost-cancel-${d.id}`, DISPUTE_LOST_NOTE);
}
