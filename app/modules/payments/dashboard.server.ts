/** What the creator dashboard shows: payouts state, sales, members and earnings (gross, fee, net). */
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { formatMoney, split } from "~/lib/money";
import { getStripe } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { users } from "~/modules/identity/schema";
import { products } from "~/modules/products/schema";
import { listCreatorProducts } from "~/modules/products/service.server";
import { tiers } from "~/modules/tiers/schema";
import { listTiers } from "~/modules/tiers/service.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { membershipPaused, membershipState } from "~/modules/content/entitlements.server";
import { findPayoutAccount, onboardingState } from "./connect.server";
import { invoices, memberships, orders } from "./schema";

const monthKey = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 7);

export async function getDashboard(env: Env, viewer: Viewer) {
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) return { creator: null } as const;
  const db = getDb(env);
  const [acct, productList, tierList, orderRows, memberRows, money] = await Promise.all([
    findPayoutAccount(env, creator.userId),
    listCreatorProducts(env, creator.userId),
    listTiers(env, creator.userId, { includeArchived: true }),
    db
      .select({ id: orders.id, title: products.title, buyer: users.email, gross: orders.gross, fee: orders.fee, net: orders.net, currency: orders.currency, status: orders.status, createdAt: orders.createdAt })
      .from(orders).innerJoin(products, eq(products.id, orders.productId)).innerJoin(users, eq(users.id, orders.buyerId))
      .where(eq(orders.creatorId, creator.userId)).orderBy(desc(orders.createdAt)).limit(50),
    db
      .select({ id: memberships.id, tier: tiers.name, member: users.email, status: memberships.status, paused: membershipPaused, amount: memberships.amount, currency: memberships.currency, interval: memberships.interval, periodEnd: memberships.currentPeriodEnd, cancelAtPeriodEnd: memberships.cancelAtPeriodEnd, createdAt: memberships.createdAt })
      .from(memberships).innerJoin(tiers, eq(tiers.id, memberships.tierId)).innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.creatorId, creator.userId)).orderBy(desc(memberships.createdAt)).limit(50),
    earnings(env, creator.userId),
  ]);
  return {
    creator: { handle: creator.handle, displayName: creator.displayName },
    payouts: { state: onboardingState(acct), chargesEnabled: !!acct?.chargesEnabled, payoutsEnabled: !!acct?.payoutsEnabled },
    products: productList,
    tiers: tierList,
    orders: orderRows.map((o) => ({ ...o, grossLabel: formatMoney(o.gross, o.currency), feeLabel: formatMoney(o.fee, o.currency), netLabel: formatMoney(o.net, o.currency) })),
    members: memberRows.map((m) => ({ ...m, state: membershipState(m.status, m.paused), priceLabel: m.currency ? `${formatMoney(m.amount, m.currency)} / ${m.interval}` : "Free" })),
    earnings: money,
  };
}

/**
 * Earnings per currency and per month. Paid orders and paid invoices count; fully refunded and
 * disputed ones don't (a refund's fee is reversed with refund_application_fee), a partly refunded one
 * counts `split(gross − refunded)`, and the refunded total is shown apart.
 */
export async function earnings(env: Env, creatorId: string) {
  const db = getDb(env);
  const [o, i] = await Promise.all([
    db.select({ currency: orders.currency, gross: orders.gross, status: orders.status, refunded: orders.amountRefunded, at: orders.createdAt }).from(orders).where(eq(orders.creatorId, creatorId)),
    db.select({ currency: invoices.currency, gross: invoices.gross, status: invoices.status, refunded: invoices.amountRefunded, at: invoices.paidAt }).from(invoices).where(eq(invoices.creatorId, creatorId)),
  ]);
  const totals = new Map<string, { gross: number; fee: number; net: number; refunded: number; sales: number; products: number; memberships: number }>();
  const months = new Map<string, Map<string, number>>(); // currency → month → net
  for (const r of [...o.map((x) => ({ ...x, src: "products" as const })), ...i.map((x) => ({ ...x, src: "memberships" as const }))]) {
    const t = totals.get(r.currency) ?? { gross: 0, fee: 0, net: 0, refunded: 0, sales: 0, products: 0, memberships: 0 };
    if (r.status === "paid") {
      // A partly refunded payment counts what was kept; the fee is the one fee rule on that amount.
      const kept = split(r.gross - Math.min(r.refunded, r.gross));
      t.gross += kept.gross; t.fee += kept.fee; t.net += kept.net; t.sales += 1; t[r.src] += kept.gross; t.refunded += r.gross - kept.gross;
      const m = months.get(r.currency) ?? new Map<string, number>();
      m.set(monthKey(r.at), (m.get(monthKey(r.at)) ?? 0) + kept.gross);
      months.set(r.currency, m);
    } else if (r.status === "refunded") t.refunded += r.gross;
    totals.set(r.currency, t);
  }
  const byCurrency = [...totals.entries()]
    .map(([currency, t]) => ({ currency, ...t, grossLabel: formatMoney(t.gross, currency), feeLabel: formatMoney(t.fee, currency), netLabel: formatMoney(t.net, currency), refundedLabel: formatMoney(t.refunded, currency), productsLabel: formatMoney(t.products, currency), membershipsLabel: formatMoney(t.memberships, currency) }))
    .sort((a, b) => b.gross - a.gross);
  // Chart: the last 6 months of the main currency.
  const main = byCurrency[0]?.currency ?? "usd";
  const now = new Date();
  const chart = Array.from({ length: 6 }, (_, k) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (5 - k), 1));
    const key = d.toISOString().slice(0, 7);
    const gross = months.get(main)?.get(key) ?? 0;
    return { month: key, label: d.toLocaleString("en-US", { month: "short", timeZone: "UTC" }), gross, grossLabel: formatMoney(gross, main) };
  });
  return { byCurrency, chart, chartCurrency: main };
}

/** Full refund from the creator's dashboard: refunds the buyer, reverses the transfer and our fee. */
export async function refundOrder(env: Env, viewer: Viewer, orderId: string) {
  const db = getDb(env);
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!order) throw notFound("That order doesn't exist.");
  if (order.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only refund your own sales.");
  if (order.status === "refunded") throw conflict("This order has already been refunded.");
  if (!order.paymentIntentId) throw conflict("This order has no payment to refund.");
  try {
    await getStripe(env).refunds.create(
      { payment_intent: order.paymentIntentId, reason: "requested_by_customer", refund_application_fee: true, reverse_transfer: true, metadata: { order_id: order.id } },
      { idempotencyKey: `refund-order-${order.id}` },
    );
  } catch (e) {
    if (!/already been refunded/i.test(String((e as Error).message))) throw e;
  }
  // Revoke now; charge.refunded will say the same.
  await db.update(orders).set({ status: "refunded", refundedAt: nowSeconds() }).where(and(eq(orders.id, order.id), sql`${orders.status} != 'refunded'`));
}

