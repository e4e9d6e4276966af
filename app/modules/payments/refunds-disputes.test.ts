import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app } from "~/test/http";
import { makeTier, membership, payingMember, purchased, subscribeAndPay } from "~/test/money";
import { deliver, emulator, eventsMatching, postAll } from "~/test/stripe";
import { makeSeller, makeUser } from "~/modules/demo/factories.server";
import { hasActiveSubscription } from "~/modules/content/entitlements.server";
import { seats } from "~/modules/tiers/seats.server";
import { earnings } from "./dashboard.server";

type InvoiceRow = { id: string; status: string; gross: number; fee: number; net: number; amount_refunded: number; payment_intent_id: string | null };
const invoicesOf = async (sub: string) =>
  (await env.DB.prepare("SELECT id, status, gross, fee, net, amount_refunded, payment_intent_id FROM invoices WHERE stripe_subscription_id=? ORDER BY paid_at, rowid").bind(sub).all<InvoiceRow>()).results;
const orderOf = (sessionId: string) => env.DB.prepare("SELECT status, gross, amount_refunded AS refunded FROM orders WHERE checkout_session_id=?").bind(sessionId).first<{ status: string; gross: number; refunded: number }>();
const disputeOf = (pi: string) => env.DB.prepare("SELECT status, reason, closed_at AS closedAt FROM disputes WHERE payment_intent_id=?").bind(pi).first<{ status: string; reason: string; closedAt: number | null }>();
const usd = async (creatorId: string) => (await earnings(env, creatorId)).byCurrency.find((c) => c.currency === "usd")!;


describe("refunds of subscription invoices made on Stripe's side", () => {
  it("are recorded in minor units; older or partial refunds keep access, a full refund of the latest invoice ends it", async () => {
    const { seller, tierId, member, cookie, sub } = await payingMember();
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(member.id);
    const [first, latest] = await invoicesOf(sub);
    expect(first.payment_intent_id).toMatch(/^pi_/);
    expect(latest.payment_intent_id).toMatch(/^pi_/);
    const stripe = getStripe(env);

    // A full refund of an OLDER invoice: recorded, the current period stays paid for.
    await stripe.refunds.create({ payment_intent: first.payment_intent_id! });
    await deliver(member.id, first.payment_intent_id!);
    expect((await invoicesOf(sub))[0]).toMatchObject({ status: "refunded", amount_refunded: 500 });
    expect((await membership(member.id, tierId))!.status).toBe("active");
    expect(await usd(seller.id)).toMatchObject({ gross: 500, fee: 40, net: 460, refunded: 500, memberships: 500 });

    // A partial refund of the latest: recorded; earnings count what was kept with the one fee rule.
    await stripe.refunds.create({ payment_intent: latest.payment_intent_id!, amount: 200 });
    await deliver(member.id, latest.payment_intent_id!);
    expect((await invoicesOf(sub))[1]).toMatchObject({ status: "paid", amount_refunded: 200 });
    expect((await membership(member.id, tierId))!.status).toBe("active");
    expect(await hasActiveSubscription(env, member.id, seller.id)).toBe(true);
    expect(await usd(seller.id)).toMatchObject({ gross: 300, fee: 24, net: 276, refunded: 700 });
    expect(await (await app("/library", { cookie })).text()).toContain("$5.00 payment of");

    // The rest of the latest invoice: fully refunded → the membership ends, at Stripe too.
    await stripe.refunds.create({ payment_intent: latest.payment_intent_id! });
    await deliver(member.id, latest.payment_intent_id!);
    expect((await invoicesOf(sub))[1]).toMatchObject({ status: "refunded", amount_refunded: 500 });
    const ended = (await membership(member.id, tierId))!;
    expect(ended.status).toBe("canceled");
    expect(ended.note).toContain("refunded");
    expect((await stripe.subscriptions.retrieve(sub)).status).toBe("canceled");
    expect((await seats(env, tierId).status()).members).toBe(0);
    expect(await hasActiveSubscription(env, member.id, seller.id)).toBe(false);
    expect(await usd(seller.id)).toMatchObject({ gross: 0, fee: 0, net: 0, refunded: 1000 });

    const library = await (await app("/library", { cookie })).text();
    expect(library).toContain("Your latest payment was refunded, so this membership has ended.");
    expect(library).toMatch(/\$5\.00 payment of [^<]+: refunded/);
    const dashboard = await (await app("/dashboard", { cookie: await seller.cookie() })).text();
    expect(dashboard).toContain("Refunded: $10.00");

    // Delivering everything again (Stripe retries, resends) changes nothing.
    const all = await eventsMatching(member.id, first.payment_intent_id!, latest.payment_intent_id!);
    await postAll([...all].reverse());
    expect((await invoicesOf(sub)).map((i) => [i.status, i.amount_refunded])).toEqual([["refunded", 500], ["refunded", 500]]);
    expect((await membership(member.id, tierId))!.status).toBe("canceled");
  });

  it("a refund whose webhook arrives before invoice.paid still ends the membership", async () => {
    const seller = await makeSeller(env);
    const tier = await makeTier(await seller.cookie());
    const member = await makeUser(env);
    await subscribeAndPay(String(tier.id), await member.cookie());
    const stripe = getStripe(env);
    const subId = (await eventsMatching(member.id)).find((e) => e.event.type === "customer.subscription.created")!.event.data.object.id as string;
    const invoiceId = String((await stripe.subscriptions.retrieve(subId)).latest_invoice);
    const inv = (await stripe.invoices.retrieve(invoiceId, { expand: ["payments"] })) as unknown as { payments: { data: { payment: { payment_intent: string } }[] } };
    const pi = inv.payments.data[0].payment.payment_intent;
    await stripe.refunds.create({ payment_intent: pi });
    const events = await eventsMatching(member.id, pi);
    const refundFirst = [...events.filter((e) => e.event.type.startsWith("charge.refund") || e.event.type.startsWith("refund.")), ...events];
    await postAll(refundFirst);
    expect((await invoicesOf(subId)).map((i) => i.status)).toEqual(["refunded"]);
    expect((await membership(member.id, String(tier.id)))!.status).toBe("canceled");
  });
});

describe("product orders: partial refunds", () => {
  it("a partial refund made in Stripe is recorded, keeps access and counts what was kept", async () => {
    const { seller, buyer, cookie, fileId, sessionId, paymentIntent } = await purchased();
    await getStripe(env).refunds.create({ payment_intent: paymentIntent, amount: 999 });
    await deliver(buyer.id, paymentIntent);
    expect(await orderOf(sessionId)).toEqual({ status: "paid", gross: 1999, refunded: 999 });
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(200);
    expect(await usd(seller.id)).toMatchObject({ gross: 1000, fee: 80, net: 920, refunded: 999 });
  });
});

describe("disputes: created, closed, in any order", () => {
  it("won restores the access the dispute paused; the dispute is recorded as won", async () => {
    const { seller, cookie, fileId, sessionId, paymentIntent } = await purchased();
    const { object: d } = await emulator<{ object: { id: string } }>(`/_emulator/charges/${paymentIntent}/dispute`, { reason: "product_not_received" });
    await deliver(paymentIntent);
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(404);
    expect((await usd(seller.id)).gross).toBe(0);
    await emulator(`/_emulator/disputes/${d.id}/close`, { status: "won" });
    await deliver(paymentIntent);
    expect((await orderOf(sessionId))!.status).toBe("paid");
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(200);
    expect(await disputeOf(paymentIntent)).toMatchObject({ status: "won", reason: "product_not_received" });
    expect((await disputeOf(paymentIntent))!.closedAt).toBeGreaterThan(0);
    expect((await usd(seller.id)).gross).toBe(1999);
  });

  it("lost keeps access revoked and is recorded, whatever the order and however often the events arrive", async () => {
    // Nothing delivered yet: the dispute opens and is lost before the purchase's own webhooks arrive.
    const { buyer, cookie, fileId, sessionId, paymentIntent } = await purchased({ deliverNow: false });
    const { object: d } = await emulator<{ object: { id: string } }>(`/_emulator/charges/${paymentIntent}/dispute`, {});
    await emulator(`/_emulator/disputes/${d.id}/close`, { status: "lost" });
    const all = await eventsMatching(buyer.id, paymentIntent);
    const closed = all.filter((e) => e.event.type === "charge.dispute.closed");
    const created = all.filter((e) => e.event.type === "charge.dispute.created");
    // closed before created, each twice, then the purchase.
    await postAll([...closed, ...closed, ...created, ...created]);
    expect(await disputeOf(paymentIntent)).toMatchObject({ status: "lost" });
    await postAll(all.filter((e) => !e.event.type.startsWith("charge.dispute")));
    expect((await orderOf(sessionId))!.status).toBe("disputed");
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(404);
    // A late replay of "created" can't reopen a closed dispute.
    await postAll(created);
    expect(await disputeOf(paymentIntent)).toMatchObject({ status: "lost" });
  });

  it("won, delivered before created and twice over, ends with access", async () => {
    const { cookie, fileId, sessionId, paymentIntent } = await purchased();
    const { object: d } = await emulator<{ object: { id: string } }>(`/_emulator/charges/${paymentIntent}/dispute`, {});
    await emulator(`/_emulator/disputes/${d.id}/close`, { status: "won" });
    const all = (await eventsMatching(paymentIntent)).filter((e) => e.event.type.startsWith("charge.dispute"));
    await postAll([...all].reverse().concat(all));
    expect((await orderOf(sessionId))!.status).toBe("paid");
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(200);
  });

  it("a dispute on a subscription invoice takes it out of earnings until it is won", async () => {
    const { seller, sub } = await payingMember();
    const [inv] = await invoicesOf(sub);
    const { object: d } = await emulator<{ object: { id: string } }>(`/_emulator/charges/${inv.payment_intent_id}/dispute`, {});
    await deliver(inv.payment_intent_id!);
    expect((await invoicesOf(sub))[0].status).toBe("disputed");
    expect((await usd(seller.id)).gross).toBe(0);
    await emulator(`/_emulator/disputes/${d.id}/close`, { status: "won" });
    await deliver(inv.payment_intent_id!);
    expect((await invoicesOf(sub))[0].status).toBe("paid");
    expect((await usd(seller.id)).gross).toBe(500);
  });
});
