/** The creator dashboard (`/dashboard`): payouts, products, tiers, orders, members and earnings, composed above the domains (decision 0056). */
import { formatMoney } from "~/lib/money";
import type { Viewer } from "~/modules/identity/auth.server";
import { listCreatorProducts } from "~/modules/products/service.server";
import { getTierPage, listTiers, requireOwnedTier } from "~/modules/tiers/service.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { membershipState } from "~/modules/content/entitlements.server";
import { findPayoutAccount, onboardingState } from "~/modules/payments/connect.server";
import { earnings, listCreatorOrders } from "~/modules/payments/dashboard.server";
import { creatorMembers, duplicateMembershipPayments, tierMembers } from "~/modules/payments/queries.server";
import { npsDue } from "~/modules/analytics/nps.server";

export async function getDashboard(env: Env, viewer: Viewer, opts: { cursor?: string | null; q?: string | null } = {}) {
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) return { creator: null } as const;
  const [acct, productList, tierList, orderPage, memberRows, money, duplicateRows, nps] = await Promise.all([
    findPayoutAccount(env, creator.userId),
    listCreatorProducts(env, creator.userId),
    listTiers(env, creator.userId, { includeArchived: true }),
    listCreatorOrders(env, creator.userId, opts),
    creatorMembers(env, creator.userId),
    earnings(env, creator.userId),
    duplicateMembershipPayments(env, creator.userId),
    npsDue(env, creator.userId),
  ]);
  return {
    creator: { handle: creator.handle, displayName: creator.displayName },
    payouts: { state: onboardingState(acct), chargesEnabled: !!acct?.chargesEnabled, payoutsEnabled: !!acct?.payoutsEnabled },
    products: productList,
    tiers: tierList,
    orders: orderPage.items,
    ordersQuery: orderPage.q,
    ordersNext: orderPage.nextCursor,
    ordersPaged: !!opts.cursor,
    duplicateRefunds: duplicateRows.map((r) => ({
      ...r,
      grossLabel: formatMoney(r.gross, r.currency),
      statusLabel: r.status === "refunded" ? "refunded — duplicate" : "duplicate — refund pending",
    })),
    members: memberRows.map((m) => ({
      ...m,
      state: m.endReason === "duplicate" ? { status: "refunded", label: "refunded — duplicate" } : membershipState(m.status, m.paused),
      priceLabel: m.currency ? `${formatMoney(m.amount, m.currency)} / ${m.interval}` : "Free",
    })),
    earnings: money,
    /** The quarterly creator survey, when it is due (decision 0122). */
    nps,
  };
}

/** A creator's tier page: the tier's form and its members list with the members actions. */
export async function getTierDashboard(env: Env, viewer: Viewer, tierId: string) {
  await requireOwnedTier(env, viewer, tierId);
  const [page, rows] = await Promise.all([getTierPage(env, tierId, viewer), tierMembers(env, tierId)]);
  return {
    ...page!,
    members: rows.map((m) => ({
      id: m.id,
      member: m.member,
      live: ["active", "trialing", "past_due"].includes(m.status),
      status: m.comp ? (m.status === "active" ? "free (comp)" : "comp ended") : m.status.replace("_", " "),
      paid: !!m.stripeSubscriptionId,
      priceLabel: m.stripeSubscriptionId && m.currency ? `${formatMoney(m.amount, m.currency)}/${m.interval ?? "period"}` : "free",
      periodEnd: m.periodEnd,
      cancelAtPeriodEnd: m.cancelAtPeriodEnd,
    })),
  };
}
