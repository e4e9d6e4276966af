import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app } from "~/test/http";
import { makeTier, membership, payingMember, purchased, subscribeAndPay } from "~/test/money";
import { deliver, emulator, eventsMatching, postAll } from "~/test/stripe";
import { makePost, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { hasActiveSubscription } from "~/modules/content/entitlements.server";
import { createRssToken } from "~/modules/posts/pages.server";
import { seats } from "~/modules/tiers/seats.server";
import { earnings } from "./dashboard.server";

type InvoiceRow = {
  id: string;
  status: string;
  gross: number;
  fee: number;
  net: number;
  amount_refunded: number;
  payment_intent_id: string | null;
};
const invoicesOf = async (sub: string) =>
  (
    await env.DB.prepare(
      "SELECT id, status, gross, fee, net, amount_refunded, payment_intent_id FROM invoices WHERE stripe_subscription_id=? ORDER BY paid_at, rowid",
    )
      .bind(sub)
      .all<InvoiceRow>()
  ).results;
const orderOf = (sessionId: string) =>
  env.DB.prepare("SELECT status, gross, amount_refunded AS refunded FROM orders WHERE checkout_session_id=?")
    .bind(sessionId)
    .first<{ status: string; gross: number; refunded: number }>();
const disputeOf = (pi: string) =>
  env.DB.prepare("SELECT status, reason, closed_at AS closedAt FROM disputes WHERE payment_intent_id=?")
    .bind(pi)
    .first<{ status: string; reason: string; closedAt: number | null }>();
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
    // Refunded the way Stripe's dashboard does (no fee refund, no transfer reversal): Stripe kept the
    // fee and the creator's share of that invoice, and the platform funded the refund.
    expect(await usd(seller.id)).toMatchObject({ gross: 500, fee: 80, net: 920, refunded: 500, platformFunded: 500, memberships: 500 });

    // A partial refund of the latest: recorded; earnings count what was kept with the one fee rule.
    await stripe.refunds.create({ payment_intent: latest.payment_intent_id!, amount: 200 });
    await deliver(member.id, latest.payment_intent_id!);
    expect((await invoicesOf(sub))[1]).toMatchObject({ status: "paid", amount_refunded: 200 });
    expect((await membership(member.id, tierId))!.status).toBe("active");
    expect(await hasActiveSubscription(env, member.id, seller.id)).toBe(true);
    expect(await usd(seller.id)).toMatchObject({ gross: 300, fee: 80, net: 920, refunded: 700, platformFunded: 700 });
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
    expect(await usd(seller.id)).toMatchObject({ gross: 0, fee: 80, net: 920, refunded: 1000, platformFunded: 1000 });

    const library = await (await app("/library", { cookie })).text();
    expect(library).toContain("Your latest payment was refunded, so this membership has ended.");
    expect(library).toMatch(/\$5\.00 payment of [^<]+: refunded/);
    const dashboard = await (await app("/dashboard", { cookie: await seller.cookie() })).text();
    expect(dashboard).toContain("Refunded: $10.00");

    // Delivering everything again (Stripe retries, resends) changes nothing.
    const all = await eventsMatching(member.id, first.payment_intent_id!, latest.payment_intent_id!);
    await postAll([...all].reverse());
    expect((await invoicesOf(sub)).map((i) => [i.status, i.amount_refunded])).toEqual([
      ["refunded", 500],
      ["refunded", 500],
    ]);
    expect((await membership(member.id, tierId))!.status).toBe("canceled");
  });

  it("a refund whose webhook arrives before invoice.paid still ends the membership", async () => {
    const seller = await makeSeller(env);
    const tier = await makeTier(await seller.cookie());
    const member = await makeUser(env);
    await subscribeAndPay(String(tier.id), await member.cookie());
    const stripe = getStripe(env);
    const subId = (await eventsMatching(member.id)).find((e) => e.event.type === "customer.subscription.created")!.event.data.object
      .id as string;
    const invoiceId = String((await stripe.subscriptions.retrieve(subId)).latest_invoice);
    const inv = (await stripe.invoices.retrieve(invoiceId, { expand: ["payments"] })) as unknown as {
      payments: { data: { payment: { payment_intent: string } }[] };
    };
    const pi = inv.payments.data[0].payment.payment_intent;
    await stripe.refunds.create({ payment_intent: pi });
    const events = await eventsMatching(member.id, pi);
    const refundFirst = [
      ...events.filter((e) => e.event.type.startsWith("charge.refund") || e.event.type.startsWith("refund.")),
      ...events,
    ];
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
    // Made like Stripe's dashboard does: the fee (1.60) and the creator's transfer (18.39) stay where they were.
    expect(await usd(seller.id)).toMatchObject({ gross: 1000, fee: 160, net: 1839, refunded: 999, platformFunded: 999 });
  });
});

describe("disputes: created, closed, in any order", () => {
  it("won restores the access the dispute paused; the dispute is recorded as won", async () => {
    const { seller, cookie, fileId, sessionId, paymentIntent } = await purchased();
    const { object: d } = await emulator<{ object: { id: string } }>(`/_emulator/charges/${paymentIntent}/dispute`, {
      reason: "product_not_received",
    });
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

// ── D28: a dispute on a subscription payment pauses the membership ─────────────────────────────

/** A post only members of `tierId` may read past the preview; the secret sentence is unique. */
async function tierPost(seller: Awaited<ReturnType<typeof makeSeller>>, tierId: string) {
  const secret = `Members-only sentence ${crypto.randomUUID()} stays behind the paywall.`;
  const preview = `Free preview ${crypto.randomUUID().slice(0, 8)} for everyone.`;
  const post = await makePost(env, seller, {
    title: "Tier notes",
    body: `${preview}\n\n<!-- paywall -->\n\n${secret}`,
    visibility: "tiers",
    tierIds: [tierId],
  });
  return { url: `/@${seller.handle}/posts/${post.slug}`, secret, preview };
}

/** Whether `cookie` gets the gated sentence in the page HTML and in the single-fetch `.data` request. */
async function reads(post: { url: string; secret: string; preview: string }, cookie: string) {
  const html = await (await app(post.url, { cookie })).text();
  expect(html).toContain(post.preview);
  const data = await app(`${post.url}.data`, { cookie });
  expect(data.status).toBe(200);
  return { html: html.includes(post.secret), data: (await data.text()).includes(post.secret) };
}
const LOCKED = { html: false, data: false };
const OPEN = { html: true, data: true };

const subscriptionPi = async (sub: string) => {
  const invoiceId = String((await getStripe(env).subscriptions.retrieve(sub)).latest_invoice);
  const inv = (await getStripe(env).invoices.retrieve(invoiceId, { expand: ["payments"] })) as unknown as {
    payments: { data: { payment: { payment_intent: string } }[] };
  };
  return inv.payments.data[0].payment.payment_intent;
};
const openDispute = async (pi: string) =>
  (await emulator<{ object: { id: string } }>(`/_emulator/charges/${pi}/dispute`, { reason: "subscription_canceled" })).object.id;
const submitEvidence = (disputeId: string) =>
  getStripe(env).disputes.update(disputeId, { evidence: { uncategorized_text: "The member read 12 posts this month." } });
/** The recorded charge.dispute.created / updated / closed events of a payment, by type. */
async function disputeEvents(pi: string) {
  const ev = await eventsMatching(pi);
  const [created, updated, closed] = ["created", "updated", "closed"].map((t) => ev.filter((e) => e.event.type === `charge.dispute.${t}`));
  return { created, updated, closed };
}

/** A paying member of a fresh tier, a post only that tier reads, and a dispute opened (not yet delivered) on their payment. */
async function disputedMember() {
  const m = await payingMember();
  const post = await tierPost(m.seller, m.tierId);
  const pi = (await invoicesOf(m.sub))[0].payment_intent_id!;
  return { ...m, post, pi, disputeId: await openDispute(pi) };
}

/** Everything a member and Stripe can observe about one membership, for end-state comparisons. */
async function endState(
  memberId: string,
  tierId: string,
  sub: string,
  post: { url: string; secret: string; preview: string },
  cookie: string,
) {
  const m = (await membership(memberId, tierId))!;
  return {
    membership: m.status,
    invoices: (await invoicesOf(sub)).map((i) => i.status),
    reads: await reads(post, cookie),
    stripe: (await getStripe(env).subscriptions.retrieve(sub)).status,
    seats: (await seats(env, tierId).status()).members,
  };
}

describe("disputes on subscription payments pause the membership (D28)", () => {
  it("created → the gated post is locked for that member only (HTML, .data, private RSS), shown as paused; won → readable again", async () => {
    const { seller, tierId, member, cookie, sub } = await payingMember();
    const other = await makeUser(env);
    const otherCookie = await other.cookie();
    await subscribeAndPay(tierId, otherCookie);
    await deliver(other.id);
    const post = await tierPost(seller, tierId);
    const rss = (await createRssToken(env, member.viewer, seller.handle)).url.replace(env.PUBLIC_URL.replace(/\/$/, ""), "");
    expect(await reads(post, cookie)).toEqual(OPEN);
    expect(await (await app(rss)).text()).toContain(post.secret);

    const pi = (await invoicesOf(sub))[0].payment_intent_id!;
    const disputeId = await openDispute(pi);
    await deliver(pi);
    expect(await reads(post, cookie)).toEqual(LOCKED);
    expect(await (await app(rss)).text()).not.toContain(post.secret);
    expect(await hasActiveSubscription(env, member.id, seller.id)).toBe(false); // subscriber-only emails ask this
    // Nobody else's access moves: another member of the same tier still reads.
    expect(await reads(post, otherCookie)).toEqual(OPEN);
    // Stripe still says active and the seat is kept while the dispute is open.
    expect((await membership(member.id, tierId))!.status).toBe("active");
    expect((await seats(env, tierId).status()).members).toBe(2);
    const library = await (await app("/library", { cookie })).text();
    expect(library).toContain("paused — payment disputed");
    expect(library).toMatch(/\$5\.00 payment of [^<]+: disputed/);
    expect(await (await app(`/tiers/${tierId}`, { cookie })).text()).toContain("Your membership is paused — payment disputed");
    const dashboard = await (await app("/dashboard", { cookie: await seller.cookie() })).text();
    expect(dashboard).toContain("paused — payment disputed");

    // Evidence submitted (charge.dispute.updated, under_review): still open, still paused.
    await submitEvidence(disputeId);
    await deliver(pi);
    expect(await disputeOf(pi)).toMatchObject({ status: "under_review" });
    expect(await reads(post, cookie)).toEqual(LOCKED);

    await emulator(`/_emulator/disputes/${disputeId}/close`, { status: "won" });
    await deliver(pi);
    expect(await reads(post, cookie)).toEqual(OPEN);
    expect(await (await app(rss)).text()).toContain(post.secret);
    expect(await hasActiveSubscription(env, member.id, seller.id)).toBe(true);
    expect(await (await app("/library", { cookie })).text()).not.toContain("paused — payment disputed");
    expect(await (await app("/dashboard", { cookie: await seller.cookie() })).text()).not.toContain("paused — payment disputed");
    expect((await seats(env, tierId).status()).members).toBe(2);
  });

  it("lost → stays locked, the subscription is canceled at Stripe, the seat is freed and the member is told", async () => {
    const { seller, tierId, member, cookie, sub, post, pi, disputeId } = await disputedMember();
    await deliver(pi);
    expect(await reads(post, cookie)).toEqual(LOCKED);
    expect((await seats(env, tierId).status()).members).toBe(1);

    await emulator(`/_emulator/disputes/${disputeId}/close`, { status: "lost" });
    await deliver(pi);
    await deliver(member.id); // customer.subscription.deleted from our cancel
    const expected = { membership: "canceled", invoices: ["disputed"], reads: LOCKED, stripe: "canceled", seats: 0 };
    expect(await endState(member.id, tierId, sub, post, cookie)).toEqual(expected);
    expect((await membership(member.id, tierId))!.note).toContain("the dispute was lost");
    const library = await (await app("/library", { cookie })).text();
    expect(library).toContain("the dispute was lost, so this membership has ended.");
    expect(library).not.toContain("paused — payment disputed"); // it has ended, not paused
    expect(await usd(seller.id)).toMatchObject({ gross: 0 });

    // Every event again, newest first and twice: nothing changes (no second cancel, no seat back).
    const all = await eventsMatching(member.id, pi);
    await postAll([...all].reverse().concat(all));
    expect(await endState(member.id, tierId, sub, post, cookie)).toEqual(expected);
  });

  it("won lifts only the pause that dispute caused: with two disputed payments, access returns when both are won", async () => {
    const { seller, tierId, member, cookie, sub } = await payingMember();
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(member.id);
    const post = await tierPost(seller, tierId);
    const [first, latest] = (await invoicesOf(sub)).map((i) => i.payment_intent_id!);
    const [d1, d2] = [await openDispute(first), await openDispute(latest)];
    await deliver(first, latest);
    expect(await reads(post, cookie)).toEqual(LOCKED);
    await emulator(`/_emulator/disputes/${d1}/close`, { status: "won" });
    await deliver(first);
    expect((await invoicesOf(sub)).map((i) => i.status)).toEqual(["paid", "disputed"]);
    expect(await reads(post, cookie)).toEqual(LOCKED);
    await emulator(`/_emulator/disputes/${d2}/close`, { status: "won" });
    await deliver(latest);
    expect(await endState(member.id, tierId, sub, post, cookie)).toEqual({
      membership: "active",
      invoices: ["paid", "paid"],
      reads: OPEN,
      stripe: "active",
      seats: 1,
    });
  });

  it("won: created / updated / closed shuffled and duplicated end with access and nothing paused", async () => {
    const { seller, tierId, member, cookie, sub, post, pi, disputeId } = await disputedMember();
    await submitEvidence(disputeId);
    await emulator(`/_emulator/disputes/${disputeId}/close`, { status: "won" });
    const { created, updated, closed } = await disputeEvents(pi);
    expect([created.length, updated.length, closed.length]).toEqual([1, 1, 1]);
    await postAll([...closed, ...updated, ...created, ...closed, ...created, ...updated]);
    expect(await endState(member.id, tierId, sub, post, cookie)).toEqual({
      membership: "active",
      invoices: ["paid"],
      reads: OPEN,
      stripe: "active",
      seats: 1,
    });
    expect(await disputeOf(pi)).toMatchObject({ status: "won" });
    expect(await usd(seller.id)).toMatchObject({ gross: 500 });
  });

  it("lost: dispute events shuffled, duplicated and delivered before the invoice's own webhooks end the same way", async () => {
    const seller = await makeSeller(env);
    const tier = await makeTier(await seller.cookie(), { maxSubscribers: "5" });
    const tierId = String(tier.id);
    const member = await makeUser(env);
    const cookie = await member.cookie();
    const post = await tierPost(seller, tierId);
    await subscribeAndPay(tierId, cookie);
    const sub = (await eventsMatching(member.id)).find((e) => e.event.type === "customer.subscription.created")!.event.data.object
      .id as string;
    const pi = await subscriptionPi(sub);
    const disputeId = await openDispute(pi);
    await submitEvidence(disputeId);
    await emulator(`/_emulator/disputes/${disputeId}/close`, { status: "lost" });
    const { created, updated, closed } = await disputeEvents(pi);
    // The dispute, in a bad order and twice, before Stripe's subscription and invoice events.
    await postAll([...updated, ...closed, ...created, ...closed, ...updated]);
    expect(await disputeOf(pi)).toMatchObject({ status: "lost" });
    const memberEvents = (await eventsMatching(member.id)).filter((e) => !e.event.type.startsWith("charge.dispute"));
    await postAll([...memberEvents].reverse());
    await deliver(member.id, pi); // whatever our cancel produced, plus every event once more
    await postAll(created); // a late "created" can't reopen the lost dispute
    expect(await disputeOf(pi)).toMatchObject({ status: "lost" });
    expect(await endState(member.id, tierId, sub, post, cookie)).toEqual({
      membership: "canceled",
      invoices: ["disputed"],
      reads: LOCKED,
      stripe: "canceled",
      seats: 0,
    });
  });
});

describe("an invoice paid after a failed attempt", () => {
  it("records the payment that succeeded, so refunding it is recorded and ends the membership", async () => {
    const { seller, tierId, member, sub } = await payingMember();
    await emulator(`/_emulator/subscriptions/${sub}/fail_payment`, {});
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {}); // the retry succeeds
    await deliver(member.id);
    const stripe = getStripe(env);
    const latestId = String((await stripe.subscriptions.retrieve(sub)).latest_invoice);
    const inv = (await stripe.invoices.retrieve(latestId, { expand: ["payments"] })) as unknown as {
      payments: { data: { status: string; payment: { payment_intent: string } }[] };
    };
    expect(inv.payments.data.map((p) => p.status)).toEqual(["canceled", "paid"]); // the failed attempt is listed first
    const paidPi = inv.payments.data.find((p) => p.status === "paid")!.payment.payment_intent;
    const recorded = (await invoicesOf(sub)).find((i) => i.id === latestId)!;
    expect(recorded.payment_intent_id).toBe(paidPi);

    await stripe.refunds.create({ payment_intent: paidPi });
    await deliver(member.id, paidPi);
    expect((await invoicesOf(sub)).find((i) => i.id === latestId)).toMatchObject({ status: "refunded", amount_refunded: 500 });
    expect((await membership(member.id, tierId))!.status).toBe("canceled");
    expect(await hasActiveSubscription(env, member.id, seller.id)).toBe(false);
  });
});
