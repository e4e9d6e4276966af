/** The payments domain's reads for the library and the dashboard (decision 0056: SQL lives in queries files). */
import { and, asc, desc, sql, eq, gt, inArray, isNotNull, isNull, lt, ne, or } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { users } from "~/modules/identity/schema";
import { notifications } from "~/modules/notifications/schema";
import { products } from "~/modules/products/schema";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import { LIVE_MEMBERSHIP_STATUSES, membershipPaused } from "~/modules/content/entitlements.server";
import { productFiles } from "~/modules/products/schema";
import { guestCheckouts, guestTierRequests, invoices, memberships, orders, tierSwitches } from "./schema";

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
        pendingTierId: memberships.pendingTierId,
        pendingTierName: sql<string | null>`(SELECT name FROM tiers pt WHERE pt.id = ${memberships.pendingTierId})`,
        pendingAt: memberships.pendingAt,
        pendingInterval: memberships.pendingInterval,
        pendingAmount: memberships.pendingAmount,
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

// ------------------------------------------------------------------ tier switches (D65, D66)

/** A person's live PAID memberships of a creator (free ones don't count), oldest first. */
export function livePaidMemberships(env: Env, userId: string, creatorId: string) {
  return getDb(env)
    .select()
    .from(memberships)
    .where(
      and(
        eq(memberships.userId, userId),
        eq(memberships.creatorId, creatorId),
        inArray(memberships.status, LIVE_MEMBERSHIP_STATUSES),
        isNotNull(memberships.stripeSubscriptionId),
      ),
    )
    .orderBy(asc(memberships.createdAt), asc(memberships.stripeSubscriptionId));
}

export function membershipBySubscription(env: Env, subscriptionId: string) {
  return getDb(env).query.memberships.findFirst({ where: eq(memberships.stripeSubscriptionId, subscriptionId) });
}

export function membershipById(env: Env, id: string) {
  return getDb(env).query.memberships.findFirst({ where: eq(memberships.id, id) });
}

export function tierById(env: Env, id: string) {
  return getDb(env).query.tiers.findFirst({ where: eq(tiers.id, id) });
}

/** Stale lock: an `open` switch whose request died (Stripe's client gives up well before this). */
export const SWITCH_LOCK_STALE_SECONDS = 60;

/**
 * Claims the person's one open switch with this creator (the unique partial index is the lock).
 * An open switch older than the stale limit is marked failed first. Returns false when another
 * switch of this person is in progress.
 */
export async function claimSwitch(env: Env, row: typeof tierSwitches.$inferInsert): Promise<boolean> {
  const db = getDb(env);
  const [, inserted] = await db.batch([
    db
      .update(tierSwitches)
      .set({ status: "failed" })
      .where(
        and(
          eq(tierSwitches.userId, row.userId),
          eq(tierSwitches.creatorId, row.creatorId),
          eq(tierSwitches.status, "open"),
          lt(tierSwitches.createdAt, row.createdAt - SWITCH_LOCK_STALE_SECONDS),
        ),
      ),
    db.insert(tierSwitches).values(row).onConflictDoNothing().returning({ id: tierSwitches.id }),
  ]);
  return inserted.length > 0;
}

export async function finishSwitch(
  env: Env,
  id: string,
  set: { status: "applied" | "scheduled" | "failed" | "withdrawn"; amountDue?: number | null; effectiveAt?: number | null },
) {
  await getDb(env).update(tierSwitches).set(set).where(eq(tierSwitches.id, id));
}

export async function withdrawScheduledSwitches(env: Env, subscriptionId: string) {
  await getDb(env)
    .update(tierSwitches)
    .set({ status: "withdrawn" })
    .where(and(eq(tierSwitches.stripeSubscriptionId, subscriptionId), eq(tierSwitches.status, "scheduled")));
}

export function switchById(env: Env, id: string) {
  return getDb(env).query.tierSwitches.findFirst({ where: eq(tierSwitches.id, id) });
}

/**
 * Records a $0 order (free product, or pay what you want paid at 0) unless the person already holds
 * a paid order of the product. One statement — INSERT … SELECT … WHERE NOT EXISTS — so concurrent
 * claims of one person make exactly one order (D1 runs each statement atomically). Returns the
 * order's key (its `checkout_session_id`, `free_…`: no Stripe session exists) or null when they
 * already had it.
 */
export async function insertFreeOrder(
  env: Env,
  o: {
    id: string;
    key: string;
    guest: boolean;
    buyerId: string;
    creatorId: string;
    productId: string;
    currency: string;
    createdAt: number;
  },
): Promise<string | null> {
  const rows = await getDb(env).all<{ key: string }>(sql`
    INSERT INTO orders (id, checkout_session_id, payment_intent_id, buyer_id, creator_id, product_id, currency, gross, fee, net, status, guest, created_at)
    SELECT ${o.id}, ${o.key}, NULL, ${o.buyerId}, ${o.creatorId}, ${o.productId}, ${o.currency}, 0, 0, 0, 'paid', ${o.guest ? 1 : 0}, ${o.createdAt}
    WHERE NOT EXISTS (
      SELECT 1 FROM orders WHERE buyer_id = ${o.buyerId} AND product_id = ${o.productId} AND status = 'paid'
    )
    RETURNING checkout_session_id AS key`);
  return rows[0]?.key ?? null;
}

// ── Guest checkouts (D71) ───────────────────────────────────────────────────────────────────────

export async function insertGuestCheckout(env: Env, row: typeof guestCheckouts.$inferInsert) {
  await getDb(env).insert(guestCheckouts).values(row);
}

export async function guestCheckoutBySession(env: Env, sessionId: string) {
  return (await getDb(env).query.guestCheckouts.findFirst({ where: eq(guestCheckouts.sessionId, sessionId) })) ?? null;
}

/** The webhook recorded the guest's order: whose account it went to. */
export function completeGuestCheckout(db: ReturnType<typeof getDb>, sessionId: string, buyerId: string) {
  return db.update(guestCheckouts).set({ status: "complete", buyerId }).where(eq(guestCheckouts.sessionId, sessionId));
}

/** The guest's checkout lapsed unpaid; returns the tier seat hold to release, if it was a tier join (D77). */
export async function expireGuestCheckout(env: Env, sessionId: string): Promise<{ tierId: string | null; holdId: string | null } | null> {
  const [row] = await getDb(env)
    .update(guestCheckouts)
    .set({ status: "expired" })
    .where(and(eq(guestCheckouts.sessionId, sessionId), eq(guestCheckouts.status, "open")))
    .returning({ tierId: guestCheckouts.tierId, holdId: guestCheckouts.holdId });
  return row ?? null;
}

/** The paid order recorded for this Checkout Session, if any. */
export async function paidOrderOfSession(env: Env, sessionId: string) {
  const [row] = await getDb(env)
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.checkoutSessionId, sessionId), eq(orders.status, "paid")))
    .limit(1);
  return row ?? null;
}

export function productFilesOf(env: Env, productId: string) {
  return getDb(env)
    .select({ id: productFiles.id, fileName: productFiles.fileName, size: productFiles.size })
    .from(productFiles)
    .where(eq(productFiles.productId, productId))
    .orderBy(asc(productFiles.createdAt));
}

/** Invoices of a guest's subscription recorded before its member was known (D77) are that member's. */
export async function claimGuestInvoices(env: Env, subscriptionId: string, userId: string) {
  await getDb(env)
    .update(invoices)
    .set({ userId })
    .where(and(eq(invoices.stripeSubscriptionId, subscriptionId), isNull(invoices.userId)));
}

export async function invoiceExists(env: Env, invoiceId: string): Promise<boolean> {
  return !!(await getDb(env).query.invoices.findFirst({ where: eq(invoices.id, invoiceId), columns: { id: true } }));
}

export async function insertGuestTierRequest(env: Env, row: typeof guestTierRequests.$inferInsert) {
  await getDb(env).insert(guestTierRequests).values(row);
}

/** Uses a guest's confirmation link up in one conditional statement: true for exactly one caller. */
export async function spendGuestTierRequest(env: Env, tokenHash: string): Promise<boolean> {
  const used = await getDb(env)
    .update(guestTierRequests)
    .set({ usedAt: Math.floor(Date.now() / 1000) })
    .where(and(eq(guestTierRequests.tokenHash, tokenHash), isNull(guestTierRequests.usedAt)))
    .returning({ tokenHash: guestTierRequests.tokenHash });
  return used.length > 0;
}
