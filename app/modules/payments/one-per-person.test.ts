/**
 * One open checkout and one live membership per person per tier; one paid order per person per
 * product (D52). Concurrent requests go through the real Worker at the same time (Promise.all);
 * payments are made in the Stripe emulator and applied by the real webhook consumer.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe, type Stripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { deliver, payCheckout, sessionIdFrom } from "~/test/stripe";
import { makeTier, publishedProduct, purchased, subscribe, subscribeAndPay } from "~/test/money";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { seats } from "~/modules/tiers/seats.server";

/** What a person reads on a page (React escapes the apostrophe). */
const text = async (res: Response) => (await res.text()).replace(/&#x27;/g, "'");

const liveMemberships = (userId: string, tierId: string) =>
  env.DB.prepare("SELECT COUNT(*) AS n FROM memberships WHERE user_id=? AND tier_id=? AND status IN ('active','trialing','past_due')")
    .bind(userId, tierId)
    .first<number>("n");

const openCheckouts = (userId: string) =>
  env.DB.prepare("SELECT COUNT(*) AS n FROM checkouts WHERE user_id=?").bind(userId).first<number>("n");

/** A second Checkout Session for the same purchase, made at Stripe directly — as one opened before
 * this rule existed (or by racing past it) would be. Same metadata as the app's own. */
async function staleSessionLike(first: Stripe.Checkout.Session, email: string) {
  const stripe = getStripe(env);
  const items = await stripe.checkout.sessions.listLineItems(first.id);
  const price = items.data[0].price!;
  const base = {
    customer_email: email,
    client_reference_id: first.client_reference_id!,
    metadata: first.metadata!,
    success_url: "http://localhost:8787/checkout/return?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:8787/",
  };
  if (first.mode === "subscription") {
    const sub = await stripe.subscriptions.retrieve(String(first.subscription));
    return stripe.checkout.sessions.create({
      ...base,
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: {
        application_fee_percent: 8,
        transfer_data: { destination: String(sub.transfer_data?.destination) },
        metadata: first.metadata!,
      },
    });
  }
  const pi = await stripe.paymentIntents.retrieve(String(first.payment_intent));
  return stripe.checkout.sessions.create({
    ...base,
    mode: "payment",
    line_items: [
      { quantity: 1, price_data: { currency: price.currency, unit_amount: price.unit_amount!, product_data: { name: "Same product" } } },
    ],
    payment_intent_data: {
      application_fee_amount: pi.application_fee_amount!,
      transfer_data: { destination: String(pi.transfer_data?.destination) },
      metadata: first.metadata!,
    },
  });
}

describe("one open checkout per person per tier", () => {
  it("three simultaneous subscribes from one account get one Checkout URL and hold one seat", async () => {
    const c = await makeSeller(env);
    for (const cap of ["10", ""]) {
      const t = await makeTier(await c.cookie(), { maxSubscribers: cap });
      const buyer = await makeUser(env);
      const cookie = await buyer.cookie();
      const res = await Promise.all([subscribe(String(t.id), cookie), subscribe(String(t.id), cookie), subscribe(String(t.id), cookie)]);
      expect(res.map((r) => r.status)).toEqual([302, 302, 302]);
      const urls = new Set(res.map((r) => r.headers.get("Location")));
      expect(urls.size).toBe(1);
      expect([...urls][0]).toContain("/checkout/pay/cs_");
      expect(await openCheckouts(buyer.id)).toBe(1);
      const s = await seats(env, String(t.id)).status();
      expect(s.holds).toBe(1);
      if (cap) expect(s.seatsLeft).toBe(9);
      // Clicking again later goes back to the same checkout too.
      expect((await subscribe(String(t.id), cookie)).headers.get("Location")).toBe([...urls][0]);
    }
  });

  it("five people each sending three simultaneous subscribes to a tier capped at 10 hold five seats, not fifteen", async () => {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "10" });
    const people = await Promise.all(Array.from({ length: 5 }, () => makeUser(env)));
    const cookies = await Promise.all(people.map((p) => p.cookie()));
    const res = await Promise.all(
      cookies.flatMap((cookie) => [subscribe(String(t.id), cookie), subscribe(String(t.id), cookie), subscribe(String(t.id), cookie)]),
    );
    expect(res.every((r) => r.status === 302)).toBe(true);
    expect(new Set(res.map((r) => r.headers.get("Location"))).size).toBe(5);
    const s = await seats(env, String(t.id)).status();
    expect(s.holds).toBe(5);
    expect(s.seatsLeft).toBe(5);
    // Everyone pays their one checkout: five members, five seats.
    for (const url of new Set(res.map((r) => r.headers.get("Location")!))) expect((await payCheckout(url)).status).toBe(303);
    for (const p of people) await deliver(p.id);
    const after = await seats(env, String(t.id)).status();
    expect(after.members).toBe(5);
    expect(after.seatsLeft).toBe(5);
  });
});

describe("one membership per person per tier", () => {
  it("ten simultaneous joins of a capped free tier from one account take one seat and make one membership", async () => {
    const c = await makeCreator(env);
    const t = await makeTier(await c.cookie(), { pricing: "free", monthly: "", annual: "", maxSubscribers: "10" });
    const tierId = String(t.id);
    const u = await makeUser(env);
    const cookie = await u.cookie();
    const res = await Promise.all(Array.from({ length: 10 }, () => subscribe(tierId, cookie, {})));
    const joined = res.filter((r) => r.headers.get("Location") === "/library?joined=1");
    const already = res.filter((r) => r.headers.get("Location") === `/tiers/${tierId}?member=already`);
    expect(joined).toHaveLength(1);
    expect(already).toHaveLength(9);
    expect(already.every((r) => r.status === 303)).toBe(true);
    expect(await liveMemberships(u.id, tierId)).toBe(1);
    const s = await seats(env, tierId).status();
    expect(s.members).toBe(1);
    expect(s.seatsLeft).toBe(9);
    // Where they land says so, not an error page.
    const page = await app(`/tiers/${tierId}?member=already`, { cookie });
    expect(page.status).toBe(200);
    expect(await text(page)).toContain("You're already a member");
    // Others still get the other nine seats.
    const others = await Promise.all(Array.from({ length: 9 }, () => makeUser(env)));
    for (const o of others) expect((await subscribe(tierId, await o.cookie(), {})).headers.get("Location")).toBe("/library?joined=1");
    expect((await seats(env, tierId).status()).seatsLeft).toBe(0);
  });

  it("a live member who subscribes again is told they're already a member, and no checkout is opened", async () => {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "5" });
    const tierId = String(t.id);
    const u = await makeUser(env);
    const cookie = await u.cookie();
    await subscribeAndPay(tierId, cookie);
    await deliver(u.id);
    expect(await liveMemberships(u.id, tierId)).toBe(1);
    const before = await openCheckouts(u.id);
    const again = await subscribe(tierId, cookie, { interval: "month" });
    expect(again.status).toBe(303);
    expect(again.headers.get("Location")).toBe(`/tiers/${tierId}?member=already`);
    // The other interval of the same tier is a switch (D65): the tier page offers it, no checkout.
    const other = await subscribe(tierId, cookie, { interval: "year" });
    expect(other.status).toBe(303);
    expect(other.headers.get("Location")).toBe(`/tiers/${tierId}?switch=year`);
    expect(await openCheckouts(u.id)).toBe(before);
    expect(await text(await app(`/tiers/${tierId}?member=already`, { cookie }))).toContain("You're already a member");
    expect((await seats(env, tierId).status()).members).toBe(1);
  });

  it("a duplicate payment that still arrives is canceled and refunded through Stripe and recorded; one membership, one seat", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { maxSubscribers: "10" });
    const tierId = String(t.id);
    const u = await makeUser(env);
    const cookie = await u.cookie();
    const started = await subscribe(tierId, cookie);
    const firstId = sessionIdFrom(started.headers.get("Location")!);
    const stripe = getStripe(env);
    expect((await payCheckout(started.headers.get("Location")!)).status).toBe(303);
    const first = await stripe.checkout.sessions.retrieve(firstId);
    // A second session for the same person and tier, opened at Stripe directly, also paid.
    const second = await staleSessionLike(first, u.email);
    expect((await payCheckout(second.url!)).status).toBe(303);
    await deliver(u.id);

    expect(await liveMemberships(u.id, tierId)).toBe(1);
    const s = await seats(env, tierId).status();
    expect(s.members).toBe(1);
    expect(s.holds).toBe(0);
    expect(s.seatsLeft).toBe(9);

    const rows = await env.DB.prepare(
      "SELECT stripe_subscription_id AS sub, status, end_reason AS endReason FROM memberships WHERE user_id=? AND tier_id=? ORDER BY status",
    )
      .bind(u.id, tierId)
      .all<{ sub: string; status: string; endReason: string | null }>();
    expect(rows.results.map((r) => [r.status, r.endReason])).toEqual([
      ["active", null],
      ["canceled", "duplicate"],
    ]);
    const dup = rows.results.find((r) => r.status === "canceled")!.sub;
    // Stripe: the duplicate subscription is canceled and its one payment refunded in full, fee and transfer returned.
    const sub = await stripe.subscriptions.retrieve(dup);
    expect(sub.status).toBe("canceled");
    const inv = await stripe.invoices.retrieve(String(sub.latest_invoice), { expand: ["payments"] });
    const pi = String(
      (inv as unknown as { payments: { data: { payment: { payment_intent: string } }[] } }).payments.data[0].payment.payment_intent,
    );
    const refunds = await stripe.refunds.list({ payment_intent: pi });
    expect(refunds.data).toHaveLength(1);
    expect(refunds.data[0]).toMatchObject({ amount: 500, status: "succeeded", reason: "duplicate" });
    // D1 records it as Stripe did it (D35).
    const recorded = await env.DB.prepare(
      "SELECT status, gross, amount_refunded AS refunded, fee_refunded AS feeRefunded, transfer_reversed AS reversed FROM invoices WHERE stripe_subscription_id=?",
    )
      .bind(dup)
      .first();
    expect(recorded).toEqual({ status: "refunded", gross: 500, refunded: 500, feeRefunded: 40, reversed: 460 });
    const kept = await env.DB.prepare("SELECT status, amount_refunded AS refunded FROM invoices WHERE stripe_subscription_id=?")
      .bind(rows.results.find((r) => r.status === "active")!.sub)
      .first();
    expect(kept).toEqual({ status: "paid", refunded: 0 });

    // The member sees it in their library, the creator in the dashboard.
    const library = await text(await app("/library", { cookie }));
    expect(library).toContain("refunded — duplicate");
    expect(library).toContain("You were already a member of this tier");
    const dash = await text(await app("/dashboard", { cookie: await seller.cookie() }));
    const orders = dash.slice(dash.indexOf('data-testid="duplicate-refunds"'));
    expect(orders).toContain("Membership payments refunded as duplicates");
    expect(orders).toContain(u.email);
    expect(orders).toContain("refunded — duplicate");
    // Replaying every event changes nothing.
    await deliver(u.id);
    expect(await liveMemberships(u.id, tierId)).toBe(1);
    expect((await stripe.refunds.list({ payment_intent: pi })).data).toHaveLength(1);
  });
});

describe("one-time products: one paid order per person", () => {
  it('someone who owns a product is told "You own this" with their downloads, and no second checkout starts', async () => {
    const p = await purchased();
    const before = await openCheckouts(p.buyer.id);
    const again = await postForm(`/@${p.seller.handle}/products/${p.slug}`, { productId: p.id }, { cookie: p.cookie });
    expect(again.status).toBe(303);
    expect(again.headers.get("Location")).toBe(`/@${p.seller.handle}/products/${p.slug}?owned=1`);
    expect(await openCheckouts(p.buyer.id)).toBe(before);
    const page = await text(await app(`/@${p.seller.handle}/products/${p.slug}`, { cookie: p.cookie }));
    expect(page).toContain("You own this");
    expect(page).toContain(`/library/download/${p.fileId}`);
    expect(page).not.toContain("Buy for");
    // Someone who doesn't own it sees the buy button and no download link.
    const other = await makeUser(env);
    const theirs = await text(await app(`/@${p.seller.handle}/products/${p.slug}`, { cookie: await other.cookie() }));
    expect(theirs).toContain("Buy for");
    expect(theirs).not.toContain("/library/download/");
  });

  it("three simultaneous buys of one product from one account share one open checkout", async () => {
    const p = await publishedProduct();
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const res = await Promise.all(
      Array.from({ length: 3 }, () => postForm(`/@${p.seller.handle}/products/${p.slug}`, { productId: p.id }, { cookie })),
    );
    expect(res.map((r) => r.status)).toEqual([302, 302, 302]);
    const urls = new Set(res.map((r) => r.headers.get("Location")));
    expect(urls.size).toBe(1);
    expect([...urls][0]).toContain("/checkout/pay/cs_");
    expect(await openCheckouts(buyer.id)).toBe(1);
  });

  it("a second paid order for a product already owned is refunded through Stripe and recorded as a duplicate", async () => {
    const p = await publishedProduct();
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const started = await postForm(`/@${p.seller.handle}/products/${p.slug}`, { productId: p.id }, { cookie });
    const url = started.headers.get("Location")!;
    expect((await payCheckout(url)).status).toBe(303);
    const stripe = getStripe(env);
    const first = await stripe.checkout.sessions.retrieve(sessionIdFrom(url));
    const second = await staleSessionLike(first, buyer.email);
    expect((await payCheckout(second.url!)).status).toBe(303);
    await deliver(buyer.id);

    // The queue may apply the two payments in either order: whichever lands first is the order kept,
    // the other is the duplicate. Exactly one of each, and the refund is on the duplicate's payment.
    const orders = await env.DB.prepare(
      "SELECT checkout_session_id AS session, status, refund_reason AS reason, gross, amount_refunded AS refunded, fee_refunded AS feeRefunded, transfer_reversed AS reversed FROM orders WHERE buyer_id=? ORDER BY status",
    )
      .bind(buyer.id)
      .all<{ session: string }>();
    expect(orders.results.map((o) => o.session).sort()).toEqual([first.id, second.id].sort());
    const keptSession = orders.results[0].session;
    const dupSession = orders.results[1].session;
    expect(orders.results).toEqual([
      { session: keptSession, status: "paid", reason: null, gross: 1999, refunded: 0, feeRefunded: 0, reversed: 0 },
      { session: dupSession, status: "refunded", reason: "duplicate", gross: 1999, refunded: 1999, feeRefunded: 160, reversed: 1839 },
    ]);
    const dupIntent = String((await stripe.checkout.sessions.retrieve(dupSession)).payment_intent);
    const refunds = await stripe.refunds.list({ payment_intent: dupIntent });
    expect(refunds.data).toHaveLength(1);
    expect(refunds.data[0]).toMatchObject({ amount: 1999, reason: "duplicate" });
    const keptIntent = String((await stripe.checkout.sessions.retrieve(keptSession)).payment_intent);
    expect((await stripe.refunds.list({ payment_intent: keptIntent })).data).toHaveLength(0);
    // Still theirs (the first order), and both sides see what happened.
    expect((await app(`/library/download/${p.fileId}`, { cookie })).status).toBe(200);
    const library = await text(await app("/library", { cookie }));
    expect(library).toContain("refunded — duplicate");
    expect(library).toContain("You already owned this, so this second payment was refunded automatically.");
    expect(await text(await app("/dashboard", { cookie: p.cookie }))).toContain("refunded — duplicate");
    // Replays change nothing.
    await deliver(buyer.id);
    expect((await stripe.refunds.list({ payment_intent: dupIntent })).data).toHaveLength(1);
    expect((await stripe.refunds.list({ payment_intent: keptIntent })).data).toHaveLength(0);
  });
});

describe("TierSeats: one hold per person, one opener", () => {
  const exp = () => Math.floor(Date.now() / 1000) + 31 * 60;

  it("concurrent reserves of one person share a hold; only the first opens the session, the rest get it when attached", async () => {
    const tierId = `once-${crypto.randomUUID()}`;
    const stub = seats(env, tierId);
    await stub.configure(tierId, 3);
    const first = await stub.reserve({ holdId: "h1", userId: "u", expiresAt: exp() });
    expect(first).toMatchObject({ ok: true, holdId: "h1", create: true, sessionId: null });
    const waiting = Promise.all([
      stub.reserve({ holdId: "h2", userId: "u", expiresAt: exp() }),
      stub.reserve({ holdId: "h3", userId: "u", expiresAt: exp() }),
    ]);
    expect(await stub.attach("h1", "cs_1", "https://pay/cs_1")).toEqual({
      attached: true,
      sessionId: "cs_1",
      sessionUrl: "https://pay/cs_1",
    });
    for (const r of await waiting)
      expect(r).toMatchObject({ ok: true, holdId: "h1", create: false, sessionId: "cs_1", sessionUrl: "https://pay/cs_1" });
    expect((await stub.status()).holds).toBe(1);
    // A second session attached late (its opener had lost its turn) doesn't replace the first.
    expect(await stub.attach("h1", "cs_2", "https://pay/cs_2")).toEqual({
      attached: false,
      sessionId: "cs_1",
      sessionUrl: "https://pay/cs_1",
    });
  });

  it("if the opener fails (release), a waiting request of the same person becomes the opener", async () => {
    const tierId = `once-${crypto.randomUUID()}`;
    const stub = seats(env, tierId);
    await stub.configure(tierId, 1);
    expect(await stub.reserve({ holdId: "a", userId: "u", expiresAt: exp() })).toMatchObject({ create: true });
    const waiter = stub.reserve({ holdId: "b", userId: "u", expiresAt: exp() });
    await stub.release({ holdId: "a" });
    expect(await waiter).toMatchObject({ ok: true, holdId: "b", create: true });
    expect((await stub.status()).seatsLeft).toBe(0);
  });

  it("a second confirmed subscription of one person is refused as a duplicate and takes no seat; joins admit a person once", async () => {
    const tierId = `once-${crypto.randomUUID()}`;
    const stub = seats(env, tierId);
    await stub.configure(tierId, 5);
    expect(await stub.confirm({ holdId: null, subscriptionId: "sub_a", userId: "u" })).toEqual({ ok: true, already: false });
    expect(await stub.confirm({ holdId: null, subscriptionId: "sub_b", userId: "u" })).toEqual({ ok: false, reason: "duplicate" });
    expect(await stub.confirm({ holdId: null, subscriptionId: "sub_a", userId: "u" })).toEqual({ ok: true, already: true });
    expect((await stub.status()).members).toBe(1);
    const joins = await Promise.all(Array.from({ length: 10 }, (_, i) => stub.join({ userId: "v", memberId: `free_${i}` })));
    expect(joins.filter((j) => j.ok)).toHaveLength(1);
    expect(joins.filter((j) => !j.ok && j.reason === "already_member")).toHaveLength(9);
    expect((await stub.status()).members).toBe(2);
  });
});
