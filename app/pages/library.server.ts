/** The library page (`/library`): a buyer's purchases, memberships and offers, composed above the domains (decision 0056). */
import { formatDate } from "~/lib/dates";
import { nowSeconds } from "~/lib/ids";
import { formatMoney } from "~/lib/money";
import type { Viewer } from "~/modules/identity/auth.server";
import { mediaUrl } from "~/modules/media/service.server";
import { filesForProducts, PRODUCT_TYPE_LABELS } from "~/modules/products/service.server";
import { membershipState } from "~/modules/content/entitlements.server";
import { libraryRows } from "~/modules/payments/queries.server";

export async function getLibrary(env: Env, viewer: Viewer) {
  const [orderRows, memberRows, notes, unusualPayments] = await libraryRows(env, viewer.id);
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
      files:
        o.status === "paid"
          ? files.filter((f) => f.productId === o.productId).map((f) => ({ id: f.id, fileName: f.fileName, size: f.size }))
          : [],
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
      /** A downgrade waiting for the renewal (D66): "Switching to X ($3.00 / month) on 5 Jan 2027". */
      pending:
        m.pendingTierId && m.pendingAt
          ? {
              tierName: m.pendingTierName ?? "another tier",
              tierId: m.pendingTierId,
              at: m.pendingAt,
              label: `Switching to ${m.pendingTierId === m.tierId ? "the same tier" : (m.pendingTierName ?? "another tier")}${
                m.pendingAmount !== null && m.currency ? ` (${formatMoney(m.pendingAmount, m.currency)} / ${m.pendingInterval})` : ""
              } on ${formatDate(m.pendingAt)}`,
            }
          : null,
      note: m.note,
      payments: unusualPayments.filter((p) => p.subscription === m.paid).map((p) => describePayment(p, m.endReason === "duplicate")),
    })),
    offers: notes
      .filter((n) => !n.expiresAt || n.expiresAt > t)
      .map((n) => ({ id: n.id, message: n.message, link: n.link, expiresAt: n.expiresAt })),
  };
}

/** "$5.00 payment of 3 Jan 2026: refunded" — how a member sees a membership payment that was refunded or disputed. */
function describePayment(p: { status: string; gross: number; refunded: number; currency: string; paidAt: number }, duplicate = false) {
  const day = formatDate(p.paidAt);
  const outcome =
    p.status === "refunded"
      ? duplicate
        ? "refunded — duplicate"
        : "refunded"
      : p.status === "disputed"
        ? "disputed"
        : `partly refunded (${formatMoney(Math.min(p.refunded, p.gross), p.currency)})`;
  return { status: p.status, label: `${formatMoney(p.gross, p.currency)} payment of ${day}: ${outcome}` };
}
