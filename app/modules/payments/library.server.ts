/** The buyer's /library: purchases with downloads, courses, memberships, and offers. */
import { and, desc, eq, isNull, or, gt, ne } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { notFound, unprocessable } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { formatMoney } from "~/lib/money";
import { getStripe } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { mediaUrl } from "~/modules/media/service.server";
import { products } from "~/modules/products/schema";
import { filesForProducts, PRODUCT_TYPE_LABELS } from "~/modules/products/service.server";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import { invoices, memberships, orders } from "./schema";
import { notifications } from "~/modules/notifications/schema";
import { syncSubscription } from "./events.server";
import { membershipPaused, membershipState } from "~/modules/content/entitlements.server";

export async function getLibrary(env: Env, viewer: Viewer) {
  const db = getDb(env);
  const [orderRows, memberRows, notes, unusualPayments] = await Promise.all([
    db
      .select({ orderId: orders.id, status: orders.status, refundReason: orders.refundReason, gross: orders.gross, currency: orders.currency, createdAt: orders.createdAt, productId: products.id, title: products.title, type: products.type, coverKey: products.coverKey, handle: creators.handle, slug: products.slug })
      .from(orders).innerJoin(products, eq(products.id, orders.productId)).innerJoin(creators, eq(creators.userId, products.creatorId))
      .where(eq(orders.buyerId, viewer.id)).orderBy(desc(orders.createdAt)),
    db
      .select({ id: memberships.id, status: memberships.status, amount: memberships.amount, currency: memberships.currency, interval: memberships.interval, periodEnd: memberships.currentPeriodEnd, cancelAtPeriodEnd: memberships.cancelAtPeriodEnd, note: memberships.note, endReason: memberships.endReason, paid: memberships.stripeSubscriptionId, paused: membershipPaused, tierName: tiers.name, tierId: tiers.id, handle: creators.handle, creatorName: creators.displayName })
      .from(memberships).innerJoin(tiers, eq(tiers.id, memberships.tierId)).innerJoin(creators, eq(creators.userId, memberships.creatorId))
      .where(eq(memberships.userId, viewer.id)).orderBy(desc(memberships.createdAt)),
    db.select().from(notifications).where(and(eq(notifications.userId, viewer.id), eq(notifications.kind, "waitlist_offer"), isNull(notifications.readAt))).orderBy(desc(notifications.createdAt)).limit(20),
    // Membership payments that didn't simply go through: refunded (fully or partly) or disputed.
    db
      .select({ subscription: invoices.stripeSubscriptionId, status: invoices.status, gross: invoices.gross, refunded: invoices.amountRefunded, currency: invoices.currency, paidAt: invoices.paidAt })
      .from(invoices).where(and(eq(invoices.userId, viewer.id), or(ne(invoices.status, "paid"), gt(invoices.amountRefunded, 0))))
      .orderBy(desc(invoices.paidAt)).limit(50),
  ]);
  const paidIds = orderRows.filter((o) => o.status === "paid").map((o) => o.productId);
  const files = await filesForProducts(env, paidIds);
  const t = nowSeconds();
  return {
    purchases: orderRows.map((o) => ({
      orderId: o.orderId,
      productId: o.productId,
      title: o.title,
      typeLabel: PRODUCT_TYPE_LABELS[o.type],
      isCourse: o.type === "course",
      coverUrl: mediaUrl(o.coverKey),
      href: `/@${o.handle}/products/${o.slug}`,
      status: o.status,
      /** "refunded — duplicate": they already owned it, so this second payment was refunded by itself (D52). */
      statusLabel: o.status === "refunded" && o.refundReason === "duplicate" ? "refunded — duplicate" : o.status,
      duplicate: o.refundReason === "duplicate",
      paidLabel: formatMoney(o.gross, o.currency),
      files: o.status === "paid" ? files.filter((f) => f.productId === o.productId).map((f) => ({ id: f.id, fileName: f.fileName, size: f.size })) : [],
    })),
    memberships: memberRows.map((m) => ({
      id: m.id,
      tierName: m.tierName,
      tierId: m.tierId,
      creator: { handle: m.handle, displayName: m.creatorName },
      status: m.status,
      /** "paused — payment disputed" while a payment of it is disputed (no access to gated posts meanwhile). */
      state: m.endReason === "duplicate" ? { status: "refunded", label: "refunded — duplicate" } : membershipState(m.status, m.paused),
      paid: !!m.paid,
      priceLabel: m.currency ? `${formatMoney(m.amount, m.currency)} / ${m.interval}` : "Free",
      periodEnd: m.periodEnd,
      cancelAtPeriodEnd: m.cancelAtPeriodEnd,
      note: m.note,
      payments: unusualPayments.filter((p) => p.subscription === m.paid).map((p) => describePayment(p, m.endReason === "duplicate")),
    })),
    offers: notes.filter((n) => !n.expiresAt || n.expiresAt > t).map((n) => ({ id: n.id, message: n.message, link: n.link, expiresAt: n.expiresAt })),
  };
}

async function ownMembership(env: Env, viewer: Viewer, membershipId: string) {
  const m = await getDb(env).query.memberships.findFirst({ where: eq(memberships.id, membershipId) });
  if (!m || m.userId !== viewer.id) throw notFound("That membership isn't yours.");
  return m;
}

/** Cancel at period end, or resume. Stripe is updated, then we re-read it (the webhook agrees). */
export async function setCancelAtPeriodEnd(env: Env, viewer: Viewer, membershipId: string, cancel: boolean) {
  const m = await ownMembership(env, viewer, membershipId);
  if (!m.stripeSubscriptionId) throw unprocessable("Free memberships don't renew — leave the tier instead.");
  if (m.status === "canceled") throw unprocessable("This membership has already ended.");
  await getStripe(env).subscriptions.update(m.stripeSubscriptionId, { cancel_at_period_end: cancel });
  await syncSubscription(env, m.stripeSubscriptionId);
}

/** Stripe's billing portal (update card, invoices) for the member's customer. */
export async function billingPortal(env: Env, viewer: Viewer, membershipId: string, origin: string) {
  const m = await ownMembership(env, viewer, membershipId);
  if (!m.stripeCustomerId) throw unprocessable("There's no billing account for this membership.");
  const s = await getStripe(env).billingPortal.sessions.create({ customer: m.stripeCustomerId, return_url: `${origin}/library` });
  return { url: s.url };
}

/** Marks one of the viewer's notifications read; another user's id (or none) is a 404. */
export async function dismissNotification(env: Env, viewer: Viewer, id: string) {
  const rows = await getDb(env)
    .update(notifications)
    .set({ readAt: nowSeconds() })
    .where(and(eq(notifications.id, id), eq(notifications.userId, viewer.id)))
    .returning({ id: notifications.id });
  if (!rows[0]) throw notFound("We couldn't find that notification.");
}


/** "$5.00 payment of 3 Jan 2026: refunded" — how a member sees a membership payment that was refunded or disputed. */
function describePayment(p: { status: string; gross: number; refunded: number; currency: string; paidAt: number }, duplicate = false) {
  const day = new Date(p.paidAt * 1000).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const outcome =
    p.status === "refunded" ? (duplicate ? "refunded — duplicate" : "refunded") : p.status === "disputed" ? "disputed" : `partly refunded (${formatMoney(Math.min(p.refunded, p.gross), p.currency)})`;
  return { status: p.status, label: `${formatMoney(p.gross, p.currency)} payment of ${day}: ${outcome}` };
}
