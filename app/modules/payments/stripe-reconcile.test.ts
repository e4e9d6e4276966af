/**
 * Reconciliation to the cent: what the app records and shows for a payment (gross kept, fee kept,
 * net to the creator) must equal what the Stripe emulator says Stripe did — for refunds made in
 * Stripe's own dashboard (no fee refund, no transfer reversal), partial and full refunds from the
 * creator's dashboard (fee and transfer returned in proportion, Stripe's rounding) and lost disputes.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe, type Stripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { buy, publishedProduct } from "~/test/money";
import { deliver, emulator } from "~/test/stripe";
import { makeUser } from "~/modules/demo/factories.server";
import { earnings, listCreatorOrders } from "./dashboard.server";

async function sale(price: string) {
  const product = await publishedProduct(price);
  const buyer = await makeUser(env);
  const cookie = await buyer.cookie();
  const { sessionId } = await buy(product.id, product.seller.handle, product.slug, cookie);
  await deliver(buyer.id);
  const paymentIntent = String((await getStripe(env).checkout.sessions.retrieve(sessionId)).payment_intent);
  const orderId = (await env.DB.prepare("SELECT id FROM orders WHERE checkout_session_id=?").bind(sessionId).first<{ id: string }>())!.id;
  return { ...product, buyer, buyerCookie: cookie, paymentIntent, orderId };
}

/** What Stripe says happened to the payment: gross the buyer still paid, fee the platform kept, net the creator kept. */
async function stripeSays(paymentIntent: string) {
  const stripe = getStripe(env);
  const pi = await stripe.paymentIntents.retrieve(paymentIntent);
  const charge = await stripe.charges.retrieve(String(pi.latest_charge), { expand: ["application_fee", "transfer"] });
  const fee = charge.application_fee as Stripe.ApplicationFee;
  const transfer = charge.transfer as Stripe.Transfer;
  const lost = (await stripe.disputes.list({ payment_intent: paymentIntent })).data
    .filter((d) => d.status === "lost")
    .reduce((n, d) => n + d.amount, 0);
  return {
    gross: charge.amount - charge.amount_refunded - lost,
    fee: fee.amount - fee.amount_refunded,
    net: transfer.amount - transfer.amount_reversed,
  };
}

/** What the app records and shows for the order (dashboard row and earnings). */
async function appSays(creatorId: string, orderId: string) {
  const row = (await listCreatorOrders(env, creatorId)).items.find((o) => o.id === orderId)!;
  const usd = (await earnings(env, creatorId)).byCurrency.find((c) => c.currency === "usd")!;
  expect({ gross: usd.gross, fee: usd.fee, net: usd.net }).toEqual({ gross: row.kept.gross, fee: row.kept.fee, net: row.kept.net });
  return { gross: row.kept.gross, fee: row.kept.fee, net: row.kept.net, platformFunded: row.kept.platformFunded, status: row.status };
}

describe("refunds and disputes reconcile with Stripe to the cent", () => {
  it("a partial refund made in Stripe's dashboard keeps the fee and the creator's share (the platform funds it)", async () => {
    const s = await sale("1.19");
    await getStripe(env).refunds.create({ payment_intent: s.paymentIntent, amount: 60 }); // dashboard default: no flags
    await deliver(s.paymentIntent);
    const stripe = await stripeSays(s.paymentIntent);
    expect(stripe).toEqual({ gross: 59, fee: 10, net: 109 });
    expect(await appSays(s.seller.id, s.orderId)).toEqual({ ...stripe, platformFunded: 60, status: "paid" });
  });

  it("a full refund made in Stripe's dashboard shows the fee and transfer Stripe kept and the access ends", async () => {
    const s = await sale("1.00");
    await getStripe(env).refunds.create({ payment_intent: s.paymentIntent });
    await deliver(s.paymentIntent);
    const stripe = await stripeSays(s.paymentIntent);
    expect(stripe).toEqual({ gross: 0, fee: 8, net: 92 });
    expect(await appSays(s.seller.id, s.orderId)).toEqual({ ...stripe, platformFunded: 100, status: "refunded" });
    const html = await (await app("/dashboard", { cookie: await s.seller.cookie() })).text();
    expect(html).toContain("platform paid $1.00");
  });

  it("partial refunds from the creator's dashboard return the fee in Stripe's proportion, then the rest ends access", async () => {
    const s = await sale("12.31");
    const sellerCookie = await s.seller.cookie();
    const res = await postForm("/dashboard?index", { orderId: s.orderId, amount: "0.07" }, { cookie: sellerCookie });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Refunded $0.07. The buyer keeps access");
    await deliver(s.paymentIntent);
    let stripe = await stripeSays(s.paymentIntent);
    expect(stripe).toEqual({ gross: 1224, fee: 97, net: 1127 }); // Stripe refunded 0.01 of the 0.98 fee
    expect(await appSays(s.seller.id, s.orderId)).toEqual({ ...stripe, platformFunded: 0, status: "paid" });
    expect((await app(`/library/download/${s.fileId}`, { cookie: s.buyerCookie })).status).toBe(200);

    for (const bad of ["12.25", "0", "abc", "0.001"]) {
      const r = await postForm("/dashboard?index", { orderId: s.orderId, amount: bad }, { cookie: sellerCookie });
      expect(r.status).toBe(400);
    }
    expect(await stripeSays(s.paymentIntent)).toEqual(stripe); // nothing half-done

    await postForm("/dashboard?index", { orderId: s.orderId, amount: "12.24" }, { cookie: sellerCookie });
    await deliver(s.paymentIntent);
    stripe = await stripeSays(s.paymentIntent);
    expect(stripe).toEqual({ gross: 0, fee: 0, net: 0 });
    expect(await appSays(s.seller.id, s.orderId)).toEqual({ ...stripe, platformFunded: 0, status: "refunded" });
    expect((await app(`/library/download/${s.fileId}`, { cookie: s.buyerCookie })).status).toBe(404);
  });

  it("a lost dispute: the order, the creator's earnings and the dashboard show what Stripe kept", async () => {
    const s = await sale("19.99");
    const { object: d } = await emulator<{ object: { id: string } }>(`/_emulator/charges/${s.paymentIntent}/dispute`, {});
    await deliver(s.paymentIntent);
    await emulator(`/_emulator/disputes/${d.id}/close`, { status: "lost" });
    await deliver(s.paymentIntent);
    const stripe = await stripeSays(s.paymentIntent);
    expect(stripe.gross).toBe(0);
    expect(await appSays(s.seller.id, s.orderId)).toEqual({ ...stripe, platformFunded: 1999, status: "disputed" });
  });
});

describe("the dashboard's orders list", () => {
  it("pages through every order (newest first) and searches by buyer email", async () => {
    const product = await publishedProduct("5.00");
    const now = Math.floor(Date.now() / 1000);
    const buyers: Awaited<ReturnType<typeof makeUser>>[] = [];
    for (let i = 0; i < 3; i++) buyers.push(await makeUser(env));
    // 120 orders over three buyers, some sharing a second, inserted directly (the checkout path is covered elsewhere).
    const stmt = env.DB.prepare(
      "INSERT INTO orders (id, checkout_session_id, buyer_id, creator_id, product_id, currency, gross, fee, net, status, created_at) VALUES (?, ?, ?, ?, ?, 'usd', 500, 40, 460, 'paid', ?)",
    );
    await env.DB.batch(
      Array.from({ length: 120 }, (_, i) =>
        stmt.bind(
          `ord_${product.id}_${String(i).padStart(3, "0")}`,
          `cs_${product.id}_${i}`,
          buyers[i % 3].id,
          product.seller.id,
          product.id,
          now - Math.floor(i / 2),
        ),
      ),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listCreatorOrders>> = await listCreatorOrders(env, product.seller.id, { cursor });
      expect(page.items.length).toBeLessThanOrEqual(50);
      seen.push(...page.items.map((o) => o.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);

    const mine = await listCreatorOrders(env, product.seller.id, { q: buyers[1].email.toUpperCase() });
    expect(mine.items).toHaveLength(40);
    expect(mine.items.every((o) => o.buyer === buyers[1].email)).toBe(true);

    const cookie = await product.seller.cookie();
    const first = await (await app("/dashboard", { cookie })).text();
    expect(first).toContain("Older orders");
    const next = /href="[^"]*\?orders=([^"&]+)"/.exec(first.replace(/&amp;/g, "&"))![1];
    expect((await app(`/dashboard?orders=${next}`, { cookie })).status).toBe(200);
    expect((await app("/dashboard?orders=not-a-cursor", { cookie })).status).toBe(400);
  });
});
