/** What the creator dashboard shows: payouts state, sales, members and earnings (gross, fee, net). */
import { formatMonth } from "~/lib/dates";
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "~/lib/cursor";
import { getDb } from "~/lib/db.server";
import { badRequest, conflict, forbidden, notFound } from "~/lib/errors";
import { formatMoney, kept, parseMoney, toMajorString } from "~/lib/money";
import { alreadyRefunded, getStripe } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { users } from "~/modules/identity/schema";
import { products } from "~/modules/products/schema";
import { toCsv } from "~/modules/exports/csv";
import { services } from "~/modules/services/schema";
import { tiers } from "~/modules/tiers/schema";
import { syncCharge } from "./events.server";
import { disputes, ledgerEntries, orders } from "./schema";

const monthKey = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 7);

export const ORDERS_PAGE_SIZE = 50;
type OrdersCursor = { at: number; id: string };
const isOrdersCursor = (v: unknown): v is OrdersCursor =>
  !!v && typeof v === "object" && Number.isSafeInteger((v as OrdersCursor).at) && typeof (v as OrdersCursor).id === "string";

/** The minor units a lost dispute took back from this payment (0 when none was lost). */
// Table-qualified by hand: inside the subquery an unqualified payment_intent_id would be the dispute's own.
const lostDisputeAmount = (table: "orders" | "ledger_entries") =>
  sql<number>`COALESCE((SELECT SUM(d.amount) FROM ${disputes} d WHERE d.payment_intent_id = ${sql.raw(`"${table}"."payment_intent_id"`)} AND d.status = 'lost'), 0)`;

/**
 * One page of the creator's orders, newest first (keyset on created_at, id), optionally only buyers
 * whose email contains `q`. Each row shows what Stripe says was kept: gross after refunds and lost
 * disputes, the fee the platform kept and the creator's net after transfer reversals.
 */
export async function listCreatorOrders(env: Env, creatorId: string, opts: { cursor?: string | null; q?: string | null } = {}) {
  const after = opts.cursor ? decodeCursor(opts.cursor, isOrdersCursor) : null;
  if (opts.cursor && !after) throw badRequest("That page of orders has expired. Start again from the first page.");
  const q = (opts.q ?? "").trim().toLowerCase().slice(0, 200);
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await getDb(env)
    .select({
      id: orders.id,
      title: products.title,
      buyer: users.email,
      refundReason: orders.refundReason,
      gross: orders.gross,
      fee: orders.fee,
      net: orders.net,
      refunded: orders.amountRefunded,
      feeRefunded: orders.feeRefunded,
      transferReversed: orders.transferReversed,
      disputeLost: lostDisputeAmount("orders"),
      currency: orders.currency,
      status: orders.status,
      createdAt: orders.createdAt,
    })
    .from(orders)
    .innerJoin(products, eq(products.id, orders.productId))
    .innerJoin(users, eq(users.id, orders.buyerId))
    .where(
      and(
        eq(orders.creatorId, creatorId),
        q ? sql`lower(${users.email}) LIKE ${like} ESCAPE '\\'` : undefined,
        after ? sql`(${orders.createdAt} < ${after.at} OR (${orders.createdAt} = ${after.at} AND ${orders.id} < ${after.id}))` : undefined,
      ),
    )
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(ORDERS_PAGE_SIZE + 1);
  const page = rows.slice(0, ORDERS_PAGE_SIZE);
  const last = page[page.length - 1];
  return {
    q,
    items: page.map((o) => {
      const k = kept({ ...o, disputeLost: Number(o.disputeLost) });
      const remaining = o.gross - Math.min(o.gross, o.refunded);
      return {
        ...o,
        /** "refunded — duplicate": the buyer already owned it, so the platform refunded this payment (D52). */
        statusLabel: o.status === "refunded" && o.refundReason === "duplicate" ? "refunded — duplicate" : o.status,
        kept: k,
        grossLabel: formatMoney(o.gross, o.currency),
        refundedLabel: formatMoney(o.refunded, o.currency),
        remainingMajor: toMajorString(remaining, o.currency),
        remainingLabel: formatMoney(remaining, o.currency),
        feeLabel: formatMoney(k.fee, o.currency),
        netLabel: formatMoney(k.net, o.currency),
        platformFundedLabel: formatMoney(k.platformFunded, o.currency),
      };
    }),
    nextCursor: rows.length > ORDERS_PAGE_SIZE && last ? encodeCursor({ at: last.createdAt, id: last.id } satisfies OrdersCursor) : null,
  };
}

/** The money columns of one ledger row that `kept` needs — shared by the earnings card and its CSV. */
function ledgerMoneyColumns() {
  return {
    currency: ledgerEntries.currency,
    gross: ledgerEntries.gross,
    fee: ledgerEntries.fee,
    net: ledgerEntries.net,
    status: ledgerEntries.status,
    refunded: ledgerEntries.amountRefunded,
    feeRefunded: ledgerEntries.feeRefunded,
    transferReversed: ledgerEntries.transferReversed,
    disputeLost: lostDisputeAmount("ledger_entries"),
    at: ledgerEntries.at,
  };
}

/**
 * Earnings per currency and per month (products, memberships and services — the ledger view), from what Stripe reports for each payment (`kept` in
 * app/lib/money.ts): gross after refunds and lost disputes, the fee the platform kept (less the
 * application fee Stripe refunded) and what the creator kept (less the transfer Stripe reversed).
 * A refund made in Stripe's dashboard returns neither fee nor transfer, so the platform funded it;
 * that is shown apart (`platformFunded`). Payments under an open dispute don't count until it closes.
 */
export async function earnings(env: Env, creatorId: string) {
  // One read of the ledger view: product orders, membership invoices, paid bookings and session packs.
  const rows = await getDb(env)
    .select({ kind: ledgerEntries.kind, ...ledgerMoneyColumns() })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.creatorId, creatorId));
  const totals = new Map<
    string,
    {
      gross: number;
      fee: number;
      net: number;
      refunded: number;
      platformFunded: number;
      sales: number;
      products: number;
      memberships: number;
      services: number;
    }
  >();
  const months = new Map<string, Map<string, number>>(); // currency → month → gross kept
  const sourceOf = { product: "products", membership: "memberships", booking: "services", pack: "services" } as const;
  for (const r of rows) {
    const t = totals.get(r.currency) ?? {
      gross: 0,
      fee: 0,
      net: 0,
      refunded: 0,
      platformFunded: 0,
      sales: 0,
      products: 0,
      memberships: 0,
      services: 0,
    };
    const lost = Number(r.disputeLost);
    totals.set(r.currency, t);
    if (r.status === "disputed" && !lost) continue; // open dispute: undecided, not counted yet
    const k = kept({ ...r, disputeLost: lost });
    t.gross += k.gross;
    t.fee += k.fee;
    t.net += k.net;
    t.refunded += Math.min(r.refunded, r.gross);
    t.platformFunded += k.platformFunded;
    t[sourceOf[r.kind]] += k.gross;
    if (r.status === "paid") t.sales += 1;
    const m = months.get(r.currency) ?? new Map<string, number>();
    m.set(monthKey(r.at), (m.get(monthKey(r.at)) ?? 0) + k.gross);
    months.set(r.currency, m);
  }
  const byCurrency = [...totals.entries()]
    .map(([currency, t]) => ({
      currency,
      ...t,
      grossLabel: formatMoney(t.gross, currency),
      feeLabel: formatMoney(t.fee, currency),
      netLabel: formatMoney(t.net, currency),
      refundedLabel: formatMoney(t.refunded, currency),
      platformFundedLabel: formatMoney(t.platformFunded, currency),
      productsLabel: formatMoney(t.products, currency),
      membershipsLabel: formatMoney(t.memberships, currency),
      servicesLabel: formatMoney(t.services, currency),
    }))
    .sort((a, b) => b.gross - a.gross);
  // Chart: the last 6 months of the main currency.
  const main = byCurrency[0]?.currency ?? "usd";
  const now = new Date();
  const chart = Array.from({ length: 6 }, (_, k) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (5 - k), 1));
    const key = d.toISOString().slice(0, 7);
    const gross = months.get(main)?.get(key) ?? 0;
    return { month: key, label: formatMonth(d.getTime() / 1000), gross, grossLabel: formatMoney(gross, main) };
  });
  return { byCurrency, chart, chartCurrency: main };
}

const KIND_LABEL = { product: "product", membership: "membership", booking: "service booking", pack: "session pack" } as const;

/**
 * Every payment of the ledger (products, memberships, service bookings, session packs) as CSV rows,
 * oldest first, with gross / fee / net as recorded and what Stripe refunded, returned and reversed,
 * and the amounts kept (the same `kept` rule as the earnings card). Creator's own only.
 */
export async function earningsCsv(env: Env, creatorId: string): Promise<string> {
  const rows = await getDb(env)
    .select({
      kind: ledgerEntries.kind,
      id: ledgerEntries.id,
      title: sql<string | null>`COALESCE(${products.title}, ${tiers.name}, ${services.title})`,
      buyer: users.email,
      ...ledgerMoneyColumns(),
    })
    .from(ledgerEntries)
    .leftJoin(products, and(eq(ledgerEntries.kind, "product"), eq(products.id, ledgerEntries.itemId)))
    .leftJoin(tiers, and(eq(ledgerEntries.kind, "membership"), eq(tiers.id, ledgerEntries.itemId)))
    .leftJoin(services, and(inArray(ledgerEntries.kind, ["booking", "pack"]), eq(services.id, ledgerEntries.itemId)))
    .leftJoin(users, eq(users.id, ledgerEntries.buyerId))
    .where(eq(ledgerEntries.creatorId, creatorId))
    .orderBy(asc(ledgerEntries.at), asc(ledgerEntries.id));
  const major = (n: number, c: string) => toMajorString(n, c);
  return toCsv(
    [
      "date",
      "kind",
      "item",
      "buyer",
      "currency",
      "gross",
      "fee",
      "net",
      "refunded",
      "fee_returned",
      "transfer_reversed",
      "status",
      "kept_gross",
      "kept_fee",
      "kept_net",
      "id",
    ],
    rows.map((r) => {
      const k = kept({ ...r, disputeLost: Number(r.disputeLost) });
      return [
        new Date(r.at * 1000).toISOString().slice(0, 10),
        KIND_LABEL[r.kind],
        r.title ?? "",
        r.buyer ?? "",
        r.currency.toUpperCase(),
        major(r.gross, r.currency),
        major(r.fee, r.currency),
        major(r.net, r.currency),
        major(Math.min(r.refunded, r.gross), r.currency),
        major(r.feeRefunded, r.currency),
        major(r.transferReversed, r.currency),
        r.status,
        major(k.gross, r.currency),
        major(k.fee, r.currency),
        major(k.net, r.currency),
        r.id,
      ];
    }),
  );
}

/**
 * Refund from the creator's dashboard: all that is left, or `amountInput` (what the creator typed,
 * in the order's currency) for a partial refund. Always with `refund_application_fee` and
 * `reverse_transfer`, so Stripe returns the fee and takes the creator's share back in proportion
 * (its rounding); the charge is then re-read and what Stripe did is recorded. A full refund ends
 * the buyer's access; a partial one doesn't.
 */
export async function refundOrder(env: Env, viewer: Viewer, orderId: string, amountInput?: string | null) {
  const db = getDb(env);
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId) });
  if (!order) throw notFound("That order doesn't exist.");
  if (order.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only refund your own sales.");
  if (order.status === "refunded") throw conflict("This order has already been refunded.");
  if (order.status === "disputed") throw conflict("This order is disputed; the card network decides what happens to the money.");
  if (!order.paymentIntentId) throw conflict("This order has no payment to refund.");
  const remaining = order.gross - Math.min(order.gross, order.amountRefunded);
  let amount = remaining;
  if (amountInput != null && amountInput.trim() !== "") {
    const parsed = parseMoney(amountInput, order.currency);
    const most = formatMoney(remaining, order.currency);
    if (parsed === null)
      throw badRequest(`Enter the amount to refund as a number, like ${toMajorString(remaining, order.currency)}.`, {
        amount: "Not an amount.",
      });
    if (parsed < 1) throw badRequest("The refund must be more than zero.", { amount: "Must be more than zero." });
    if (parsed > remaining) throw badRequest(`You can refund at most ${most} on this order.`, { amount: `At most ${most}.` });
    amount = parsed;
  }
  let chargeId: string | null = null;
  try {
    const refund = await getStripe(env).refunds.create(
      {
        payment_intent: order.paymentIntentId,
        amount,
        reason: "requested_by_customer",
        refund_application_fee: true,
        reverse_transfer: true,
        metadata: { order_id: order.id },
      },
      // Keyed by what was already refunded, so a double submit refunds once and a later partial refund is new.
      { idempotencyKey: `refund-order-${order.id}-${order.amountRefunded}-${amount}` },
    );
    chargeId = typeof refund.charge === "string" ? refund.charge : (refund.charge?.id ?? null);
  } catch (e) {
    if (!alreadyRefunded(e)) throw e;
  }
  if (!chargeId) chargeId = String((await getStripe(env).paymentIntents.retrieve(order.paymentIntentId)).latest_charge ?? "") || null;
  // Record now what Stripe did (charge.refunded will say the same): a full refund revokes access.
  if (chargeId) await syncCharge(env, chargeId);
  return { amount, full: amount === remaining, amountLabel: formatMoney(amount, order.currency) };
}
