// Every Stripe call a person's request makes, with Stripe failing: `resource_missing`, a rate limit
// (429), a 500 and a real timeout (Stripe does the work but answers after the SDK gave up, on the
// retry too). The person gets a clear message with a 4xx/503 (never a 500) and nothing is half-done:
// no row that doesn't match Stripe, a capped tier's seats unchanged. Calls made by the queue consumer
// (webhooks) are retried, not lost. The product and capped-tier checkouts, payouts set-up and tier
// creation are in stripe-errors.test.ts.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { newId } from "~/lib/ids";
import { app, postForm } from "~/test/http";
import { makeTier, membership, purchased, subscribe, subscribeAndPay } from "~/test/money";
import { runQueueMessage } from "~/test/queues";
import { deliver, eventsMatching, withStripeFault, type FaultKind } from "~/test/stripe";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { seats } from "~/modules/tiers/seats.server";

const KINDS: [FaultKind, number][] = [
  ["resource_missing", 409],
  ["rate_limit", 503],
  ["server_error", 503],
  ["timeout", 503],
];
const norm = (html: string) => html.replace(/&#39;|&#x27;|’/g, "'");
const CLEAR = /can't take payments right now|Try again in a moment|Payments are busy/;

async function expectClear(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(norm(await res.text())).toMatch(CLEAR);
}

const one = <T>(sql: string, ...args: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...args)
    .first<T>();

describe("every Stripe call a person's request makes answers clearly when Stripe fails", () => {
  it.each(KINDS)(
    "clicking Subscribe again while a checkout is open (session re-read) when Stripe answers %s: the seat stays held once",
    async (kind, status) => {
      const c = await makeSeller(env);
      const t = await makeTier(await c.cookie(), { maxSubscribers: "2" });
      const tierId = String(t.id);
      const fan = await makeUser(env);
      const first = await subscribe(tierId, await fan.cookie());
      expect(first.status).toBe(302);
      const sessionId = first.headers.get("Location")!.split("/checkout/pay/")[1];
      const held = await seats(env, tierId).status();
      const res = await withStripeFault(
        `/v1/checkout/sessions/${sessionId}`,
        sessionId,
        kind,
        async () => subscribe(tierId, await fan.cookie()),
        { method: "GET" },
      );
      await expectClear(res, status);
      expect(await seats(env, tierId).status()).toEqual(held);
      expect((await one<{ n: number }>("SELECT COUNT(*) AS n FROM checkouts WHERE user_id=?", fan.id))!.n).toBe(1);
    },
  );

  it.each(KINDS)(
    "continuing payouts set-up (account link) when Stripe answers %s: the account made before stays, one row",
    async (kind, status) => {
      const c = await makeCreator(env);
      expect((await postForm("/dashboard/payouts", {}, { cookie: await c.cookie() })).status).toBe(302);
      const acct = (await one<{ id: string }>("SELECT stripe_account_id AS id FROM payout_accounts WHERE creator_id=?", c.id))!.id;
      const res = await withStripeFault("/v1/account_links", acct, kind, async () =>
        postForm("/dashboard/payouts", {}, { cookie: await c.cookie() }),
      );
      await expectClear(res, status);
      expect((await one<{ n: number }>("SELECT COUNT(*) AS n FROM payout_accounts WHERE creator_id=?", c.id))!.n).toBe(1);
      // Stripe back: the same account continues (no second account).
      expect((await postForm("/dashboard/payouts", {}, { cookie: await c.cookie() })).status).toBe(302);
      expect((await one<{ id: string }>("SELECT stripe_account_id AS id FROM payout_accounts WHERE creator_id=?", c.id))!.id).toBe(acct);
    },
  );

  it.each(KINDS)(
    "coming back from onboarding (account re-read) when Stripe answers %s: a clear page, the payouts state unchanged",
    async (kind, status) => {
      const c = await makeCreator(env);
      expect((await postForm("/dashboard/payouts", {}, { cookie: await c.cookie() })).status).toBe(302);
      const before = await one(
        "SELECT charges_enabled, payouts_enabled, details_submitted, state_at FROM payout_accounts WHERE creator_id=?",
        c.id,
      );
      const acct = (await one<{ id: string }>("SELECT stripe_account_id AS id FROM payout_accounts WHERE creator_id=?", c.id))!.id;
      const res = await withStripeFault(
        `/v1/accounts/${acct}`,
        acct,
        kind,
        async () => app("/dashboard/payouts/return", { cookie: await c.cookie() }),
        { method: "GET" },
      );
      await expectClear(res, status);
      expect(
        await one("SELECT charges_enabled, payouts_enabled, details_submitted, state_at FROM payout_accounts WHERE creator_id=?", c.id),
      ).toEqual(before);
    },
  );

  it.each(KINDS)(
    "following Stripe's refresh link (a new account link) when Stripe answers %s: a clear page, one account",
    async (kind, status) => {
      const c = await makeCreator(env);
      expect((await postForm("/dashboard/payouts", {}, { cookie: await c.cookie() })).status).toBe(302);
      const acct = (await one<{ id: string }>("SELECT stripe_account_id AS id FROM payout_accounts WHERE creator_id=?", c.id))!.id;
      const res = await withStripeFault("/v1/account_links", acct, kind, async () =>
        app("/dashboard/payouts/refresh", { cookie: await c.cookie() }),
      );
      await expectClear(res, status);
      expect((await one<{ n: number }>("SELECT COUNT(*) AS n FROM payout_accounts WHERE creator_id=?", c.id))!.n).toBe(1);
    },
  );

  it.each(KINDS)("opening the Stripe Express dashboard (login link) when Stripe answers %s: a clear message", async (kind, status) => {
    const s = await makeSeller(env);
    const acct = (await one<{ id: string }>("SELECT stripe_account_id AS id FROM payout_accounts WHERE creator_id=?", s.id))!.id;
    const res = await withStripeFault(`/v1/accounts/${acct}/login_links`, acct, kind, async () =>
      postForm("/dashboard/payouts", { intent: "stripe-dashboard" }, { cookie: await s.cookie() }),
    );
    await expectClear(res, status);
  });

  it.each(KINDS)(
    "changing a tier's price when Stripe answers %s on the new price: the tier keeps its old price; saving again makes one new price",
    async (kind, status) => {
      const c = await makeSeller(env);
      const cookie = await c.cookie();
      const t = await makeTier(cookie);
      const tierId = String(t.id);
      const res = await withStripeFault(
        "/v1/prices",
        tierId,
        kind,
        async () => postForm(`/dashboard/tiers/${tierId}`, { monthly: "7" }, { cookie }),
        { method: "POST" },
      );
      await expectClear(res, status);
      const after = await one<Record<string, unknown>>(
        "SELECT monthly_amount AS amount, stripe_monthly_price_id AS price FROM tiers WHERE id=?",
        tierId,
      );
      expect(after).toEqual({ amount: 500, price: t.stripe_monthly_price_id });
      expect((await getStripe(env).prices.retrieve(String(t.stripe_monthly_price_id))).active).toBe(true);
      // Saving again (Stripe back) succeeds, with exactly one $7 price for this tier.
      expect((await postForm(`/dashboard/tiers/${tierId}`, { monthly: "7" }, { cookie })).status).toBe(200);
      const saved = (await one<{ amount: number; price: string }>(
        "SELECT monthly_amount AS amount, stripe_monthly_price_id AS price FROM tiers WHERE id=?",
        tierId,
      ))!;
      expect(saved.amount).toBe(700);
      const created = (await eventsMatching(tierId)).filter(
        (e) => e.event.type === "price.created" && e.event.data.object.unit_amount === 700,
      );
      expect(created.map((e) => e.event.data.object.id)).toEqual([saved.price]);
      expect((await getStripe(env).prices.retrieve(String(t.stripe_monthly_price_id))).active).toBe(false);
    },
  );

  it("changing a tier's price and back again leaves it on an active price people can subscribe to", async () => {
    const c = await makeSeller(env);
    const cookie = await c.cookie();
    const t = await makeTier(cookie);
    for (const monthly of ["7", "5"]) {
      expect((await postForm(`/dashboard/tiers/${t.id}`, { monthly }, { cookie })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100)); // the next edit is a later one
    }
    const row = (await one<{ price: string }>("SELECT stripe_monthly_price_id AS price FROM tiers WHERE id=?", t.id))!;
    const price = await getStripe(env).prices.retrieve(row.price);
    expect([price.active, price.unit_amount]).toEqual([true, 500]);
    expect((await subscribe(String(t.id), await (await makeUser(env)).cookie())).status).toBe(302);
  });

  it.each(KINDS)("renaming a paid tier when Stripe answers %s: the tier keeps its name", async (kind, status) => {
    const c = await makeSeller(env);
    const cookie = await c.cookie();
    const t = await makeTier(cookie);
    const res = await withStripeFault(
      `/v1/products/${t.stripe_product_id}`,
      String(t.stripe_product_id),
      kind,
      async () => postForm(`/dashboard/tiers/${t.id}`, { name: "Renamed club" }, { cookie }),
      { method: "POST" },
    );
    await expectClear(res, status);
    expect((await one<{ name: string }>("SELECT name FROM tiers WHERE id=?", t.id))!.name).toBe(t.name);
  });

  it.each(KINDS)(
    "creating a paid tier when Stripe answers %s on its prices: no tier; saving the same form again makes one product and one price each",
    async (kind, status) => {
      const c = await makeSeller(env);
      const cookie = await c.cookie();
      const draftId = newId();
      const name = `Tier ${draftId.slice(0, 6)}`;
      const form = { draftId, name, pricing: "fixed", currency: "usd", monthly: "5", annual: "50", benefits: "Q&A", maxSubscribers: "3" };
      const res = await withStripeFault("/v1/prices", draftId, kind, async () => postForm("/dashboard/tiers/new", form, { cookie }), {
        method: "POST",
      });
      await expectClear(res, status);
      expect(await one("SELECT id FROM tiers WHERE id=?", draftId)).toBeNull();
      const ok = await postForm("/dashboard/tiers/new", form, { cookie });
      expect(ok.status).toBe(302);
      const row = (await one<Record<string, string>>(
        "SELECT stripe_product_id AS product, stripe_monthly_price_id AS monthly, stripe_annual_price_id AS annual FROM tiers WHERE id=?",
        draftId,
      ))!;
      const events = await eventsMatching(draftId);
      const ids = (type: string) =>
        events
          .filter((e) => e.event.type === type)
          .map((e) => e.event.data.object.id)
          .sort();
      expect(ids("product.created")).toEqual([row.product]);
      expect(ids("price.created")).toEqual([row.monthly, row.annual].sort());
      // The same form submitted once more (a double click) doesn't make a second tier.
      expect((await postForm("/dashboard/tiers/new", form, { cookie })).status).toBe(302);
      expect((await one<{ n: number }>("SELECT COUNT(*) AS n FROM tiers WHERE creator_id=?", c.id))!.n).toBe(1);
      expect(await seats(env, draftId).status()).toMatchObject({ cap: 3 });
    },
  );
});

describe("a member's own Stripe calls (library) when Stripe fails", () => {
  async function member() {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "5" });
    const fan = await makeUser(env);
    const cookie = await fan.cookie();
    await subscribeAndPay(String(t.id), cookie);
    await deliver(fan.id);
    const m = (await one<{ id: string; sub: string; customer: string }>(
      "SELECT id, stripe_subscription_id AS sub, stripe_customer_id AS customer FROM memberships WHERE user_id=?",
      fan.id,
    ))!;
    return { tierId: String(t.id), fan, cookie, m };
  }

  it.each(KINDS)(
    "cancelling at period end when Stripe answers %s: a clear message; the membership matches Stripe once its events arrive",
    async (kind, status) => {
      const { tierId, fan, cookie, m } = await member();
      const seatsBefore = await seats(env, tierId).status();
      const res = await withStripeFault(
        `/v1/subscriptions/${m.sub}`,
        m.sub,
        kind,
        async () => postForm("/library", { intent: "cancel", membershipId: m.id }, { cookie }),
        { method: "POST" },
      );
      await expectClear(res, status);
      await deliver(fan.id);
      const inStripe = await getStripe(env).subscriptions.retrieve(m.sub);
      expect((await membership(fan.id, tierId))!.cancelAtPeriodEnd).toBe(inStripe.cancel_at_period_end ? 1 : 0);
      expect(await seats(env, tierId).status()).toEqual(seatsBefore);
      // Stripe back: cancelling works.
      expect((await postForm("/library", { intent: "cancel", membershipId: m.id }, { cookie })).status).toBe(200);
      expect((await membership(fan.id, tierId))!.cancelAtPeriodEnd).toBe(1);
    },
  );

  it.each(KINDS)("opening the billing portal when Stripe answers %s: a clear message", async (kind, status) => {
    const { cookie, m } = await member();
    const res = await withStripeFault("/v1/billing_portal/sessions", m.customer, kind, async () =>
      postForm("/library", { intent: "portal", membershipId: m.id }, { cookie }),
    );
    await expectClear(res, status);
  });
});

describe("a creator's refund when Stripe fails", () => {
  it.each(KINDS)(
    "refunding an order when Stripe answers %s: a clear message, the order unchanged until Stripe says; refunding again refunds once",
    async (kind, status) => {
      const p = await purchased();
      const order = (await one<{ id: string; gross: number }>("SELECT id, gross FROM orders WHERE product_id=?", p.id))!;
      const res = await withStripeFault("/v1/refunds", p.paymentIntent, kind, async () =>
        postForm("/dashboard", { orderId: order.id }, { cookie: await p.seller.cookie() }),
      );
      await expectClear(res, status);
      await deliver(p.buyer.id, p.paymentIntent);
      const refunds = await getStripe(env).refunds.list({ payment_intent: p.paymentIntent });
      const row = (await one<{ status: string; refunded: number }>(
        "SELECT status, amount_refunded AS refunded FROM orders WHERE id=?",
        order.id,
      ))!;
      expect(row.refunded).toBe(refunds.data.reduce((n, r) => n + r.amount, 0));
      // Stripe back: refunding (again) ends with exactly one full refund.
      const again = await postForm("/dashboard", { orderId: order.id }, { cookie: await p.seller.cookie() });
      expect([200, 409]).toContain(again.status);
      const final = await getStripe(env).refunds.list({ payment_intent: p.paymentIntent });
      expect(final.data.length).toBe(1);
      expect((await one<{ status: string }>("SELECT status FROM orders WHERE id=?", order.id))!.status).toBe("refunded");
    },
  );
});

describe("a refund Stripe already made", () => {
  it("refunding an order already refunded in Stripe (its event not yet here) records the refund instead of failing", async () => {
    const p = await purchased();
    const order = (await one<{ id: string; gross: number }>("SELECT id, gross FROM orders WHERE product_id=?", p.id))!;
    // Refunded in Stripe's own dashboard; charge.refunded not delivered yet.
    await getStripe(env).refunds.create({ payment_intent: p.paymentIntent });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await postForm("/dashboard", { orderId: order.id }, { cookie: await p.seller.cookie() });
      expect(res.status).toBe(200);
    } finally {
      logged.mockRestore();
    }
    const row = (await one<{ status: string; refunded: number }>(
      "SELECT status, amount_refunded AS refunded FROM orders WHERE id=?",
      order.id,
    ))!;
    expect(row).toEqual({ status: "refunded", refunded: order.gross });
    expect((await getStripe(env).refunds.list({ payment_intent: p.paymentIntent })).data.length).toBe(1);
  });
});

describe("Stripe calls made by the webhook consumer are retried, not lost", () => {
  it.each(KINDS)(
    "a subscription event whose re-read fails (%s) is retried and applied once Stripe is back, never half-written",
    async (kind) => {
      const c = await makeSeller(env);
      const t = await makeTier(await c.cookie(), { maxSubscribers: "2" });
      const fan = await makeUser(env);
      const sessionId = await subscribeAndPay(String(t.id), await fan.cookie());
      const ev = (await eventsMatching(fan.id)).find((e) => e.event.type === "customer.subscription.created")!;
      const sub = String(ev.event.data.object.id);
      const body = { eventId: ev.event.id, type: ev.event.type, event: ev.event };
      const result = await withStripeFault(`/v1/subscriptions/${sub}`, sub, kind, () => runQueueMessage("allthrive-stripe-events", body), {
        method: "GET",
        logged: 1,
      });
      expect(result.retryMessages.length).toBe(1);
      expect(result.explicitAcks.length).toBe(0);
      expect(await membership(fan.id, String(t.id))).toBeNull();
      const ok = await runQueueMessage("allthrive-stripe-events", body, { attempts: 2 });
      expect(ok.explicitAcks.length).toBe(1);
      expect((await membership(fan.id, String(t.id)))!.status).toBe("active");
      expect(sessionId).toMatch(/^cs_/);
    },
  );
});
