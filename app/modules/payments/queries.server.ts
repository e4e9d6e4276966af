/** The payments domain's reads for the library and the dashboard (decision 0056: SQL lives in queries files). */
import { and, desc, eq, gt, isNull, ne, or, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { users } from "~/modules/identity/schema";
import { notifications } from "~/modules/notifications/schema";
import { products } from "~/modules/products/schema";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import { membershipPaused } from "~/modules/content/entitlements.server";
import { invoices, memberships, orders } from "./schema";

/** What a buyer's library lists: their orders, memberships, open waitlist offers and membership payments that were refunded or disputed. */
export async function libraryRows(env: Env, userId: string) {
  const db = getDb(env);
  return Promise.all([
    db
      .select({
        orderId: orders.id,
        status: orders.status,
        refundReason: orders.refundReason,
        gross: orders.gross,
        currency: orders.currency,
        createdAt: orders.createdAt,
        productId: products.id,
        title: products.title,
        type: products.type,
        coverKey: products.coverKey,
        handle: creators.handle,
        slug: products.slug,
      })
      .from(orders)
      .innerJoin(products, eq(products.id, orders.productId))
      .innerJoin(creators, eq(creators.userId, products.creatorId))
      .where(eq(orders.buyerId, userId))
      .orderBy(desc(orders.createdAt)),
    db
      .select({
        id: memberships.id,
        status: memberships.status,
        amount: memberships.amount,
        currency: memberships.currency,
        interval: memberships.interval,
        periodEnd: memberships.currentPeriodEnd,
        cancelAtPeriodEnd: memberships.cancelAtPeriodEnd,
        note: memberships.note,
        endReason: memberships.endReason,
        paid: memberships.stripeSubscriptionId,
        paused: membershipPaused,
        tierName: tiers.name,
        tierId: tiers.id,
        handle: creators.handle,
        creatorName: creators.displayName,
      })
      .from(memberships)
      .innerJoin(tiers, eq(tiers.id, memberships.tierId))
      .innerJoin(creators, eq(creators.userId, memberships.creatorId))
      .where(eq(memberships.userId, userId))
      .orderBy(desc(memberships.createdAt)),
    db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, userId), eq(notifications.kind, "waitlist_offer"), isNull(notifications.readAt)))
      .orderBy(desc(notifications.createdAt))
      .limit(20),
    // Membership payments that didn't simply go through: refunded (fully or partly) or disputed.
    db
      .select({
        subscription: invoices.stripeSubscriptionId,
        status: invoices.status,
        gross: invoices.gross,
        refunded: invoices.amountRefunded,
        currency: invoices.currency,
        paidAt: invoices.paidAt,
      })
      .from(invoices)
      .where(and(eq(invoices.userId, userId), or(ne(invoices.status, "paid"), gt(invoices.amountRefunded, 0))))
      .orderBy(desc(invoices.paidAt))
      .limit(50),
  ]);
}

/** A creator's latest 50 members (dashboard). */
export function creatorMembers(env: Env, creatorId: string) {
  return getDb(env)
    .select({
      id: memberships.id,
      tier: tiers.name,
      member: users.email,
      status: memberships.status,
      endReason: memberships.endReason,
      paused: membershipPaused,
      amount: memberships.amount,
      currency: memberships.currency,
      interval: memberships.interval,
      periodEnd: memberships.currentPeriodEnd,
      cancelAtPeriodEnd: memberships.cancelAtPeriodEnd,
      createdAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(tiers, eq(tiers.id, memberships.tierId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.creatorId, creatorId))
    .orderBy(desc(memberships.createdAt))
    .limit(50);
}

/** Membership payments refunded because the member already had the tier (D52): shown with the orders. */
export function duplicateMembershipPayments(env: Env, creatorId: string) {
  return getDb(env)
    .select({
      id: invoices.id,
      tier: tiers.name,
      member: users.email,
      gross: invoices.gross,
      currency: invoices.currency,
      status: invoices.status,
      paidAt: invoices.paidAt,
    })
    .from(invoices)
    .innerJoin(memberships, eq(memberships.stripeSubscriptionId, invoices.stripeSubscriptionId))
    .innerJoin(tiers, eq(tiers.id, invoices.tierId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(invoices.creatorId, creatorId), eq(memberships.endReason, "duplicate")))
    .orderBy(desc(invoices.paidAt))
    .limit(20);
}

/** The members of one tier, live first, for the creator's tier page (at most 200). */
export function tierMembers(env: Env, tierId: string) {
  return getDb(env)
    .select({
      id: memberships.id,
      member: users.email,
      status: memberships.status,
      comp: memberships.comp,
      stripeSubscriptionId: memberships.stripeSubscriptionId,
      amount: memberships.amount,
      currency: memberships.currency,
      interval: memberships.interval,
      periodEnd: memberships.currentPeriodEnd,
      cancelAtPeriodEnd: memberships.cancelAtPeriodEnd,
      createdAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tierId, tierId))
    .orderBy(sql`${memberships.status} IN ('active','trialing','past_due') DESC`, desc(memberships.createdAt))
    .limit(200);
}
