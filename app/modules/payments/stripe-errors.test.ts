import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { postForm } from "~/test/http";
import { withStripeFault, type FaultKind } from "~/test/stripe";
import { makeTier, publishedProduct, subscribe } from "~/test/money";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { seats } from "~/modules/tiers/seats.server";

type Kind = FaultKind;
const CASES: [Kind, number, string][] = [
  ["resource_missing", 409, "can&#x27;t take payments right now"],
  ["account_invalid", 409, "can&#x27;t take payments right now"],
  ["rate_limit", 503, "Try again in a moment"],
  ["server_error", 503, "Try again in a moment"],
  ["network", 503, "Try again in a moment"],
  // Stripe holds its answer longer than the SDK waits (twice: the retry too).
  ["timeout", 503, "Try again in a moment"],
];

const failing = withStripeFault;

const norm = (html: string) => html.replace(/&#39;|&#x27;|’/g, "'");

describe("a failing Stripe never answers a person with a 500", () => {
  it.each(CASES)("buying a product when Stripe answers %s: a clear message, no checkout left behind", async (kind, status, text) => {
    const p = await publishedProduct();
    const buyer = await makeUser(env);
    const res = await failing("/v1/checkout/sessions", buyer.id, kind, async () =>
      postForm(`/@${p.seller.handle}/products/${p.slug}`, { productId: p.id }, { cookie: await buyer.cookie() }),
    );
    expect(res.status).toBe(status);
    expect(norm(await res.text())).toContain(norm(text));
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM checkouts WHERE user_id=?").bind(buyer.id).first<{ n: number }>();
    expect(left!.n).toBe(0);
  });

  it.each(CASES)("joining a capped tier when Stripe answers %s: a clear message, the seat is released", async (kind, status, text) => {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "1" });
    const tierId = String(t.id);
    const before = await seats(env, tierId).status();
    const fan = await makeUser(env);
    const res = await failing("/v1/checkout/sessions", fan.id, kind, async () => subscribe(tierId, await fan.cookie()));
    expect(res.status).toBe(status);
    expect(norm(await res.text())).toContain(norm(text));
    expect(await seats(env, tierId).status()).toEqual(before);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM checkouts WHERE user_id=?").bind(fan.id).first<{ n: number }>();
    expect(left!.n).toBe(0);
    // Once Stripe is back, the same person gets the seat.
    const ok = await subscribe(tierId, await fan.cookie());
    expect(ok.status).toBe(302);
  });

  it.each(CASES)("setting up payouts when Stripe answers %s: a clear message, no payout account half-made", async (kind, status) => {
    const c = await makeCreator(env);
    const res = await failing("/v1/account", c.viewer.email, kind, async () =>
      postForm("/dashboard/payouts", {}, { cookie: await c.cookie() }),
    );
    expect(res.status).toBe(status === 409 ? 409 : 503);
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM payout_accounts WHERE creator_id=?").bind(c.id).first<{ n: number }>();
    expect(row!.n).toBe(0);
  });

  it.each(CASES)("creating a paid tier when Stripe answers %s: a clear message, no tier without a price", async (kind, status) => {
    const c = await makeSeller(env);
    const name = `Tier ${crypto.randomUUID().slice(0, 8)}`;
    const res = await failing("/v1/products", name, kind, async () =>
      postForm(
        "/dashboard/tiers/new",
        { name, pricing: "fixed", currency: "usd", monthly: "5", annual: "50", benefits: "Q&A" },
        { cookie: await c.cookie() },
      ),
    );
    expect(res.status).toBe(status);
    // No tier without its Stripe product and prices.
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM tiers WHERE name=?").bind(name).first<{ n: number }>();
    expect(row!.n).toBe(0);
  });
});
