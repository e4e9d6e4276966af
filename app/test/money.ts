/** Shared money-test helpers: real products and tiers created through the routes, paid in the emulator. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { makeSeller, makeUser } from "~/modules/demo/factories.server";
import { app, postForm } from "./http";
import { deliver, payCheckout } from "./stripe";

export const productSlug = () => `p-${crypto.randomUUID().slice(0, 8)}`;
export const PDF = new TextEncoder().encode("%PDF-1.7\n% All Thrive test file\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");

export async function createProduct(cookie: string, fields: Record<string, string> = {}) {
  const s = fields.slug ?? productSlug();
  const res = await postForm(
    "/dashboard/products/new",
    {
      type: "template",
      title: "Support bot prompts",
      slug: s,
      description: "Fifty **tested** prompts.",
      price: "19.99",
      currency: "usd",
      ...fields,
    },
    { cookie },
  );
  expect(res.status).toBe(302);
  const id = res.headers.get("Location")!.split("/dashboard/products/")[1].split("?")[0];
  return { id, slug: s };
}

export async function upload(productId: string, name: string, bytes: Uint8Array, cookie: string) {
  return app(`/dashboard/products/${productId}/files?name=${encodeURIComponent(name)}`, {
    method: "POST",
    body: bytes as unknown as BodyInit,
    cookie,
    headers: { "Content-Type": "application/octet-stream" },
  });
}

/** A seller with one published product with a PDF; returns what the tests need. */
export async function publishedProduct(price = "19.99", currency = "usd", fields: Record<string, string> = {}) {
  const seller = await makeSeller(env);
  const cookie = await seller.cookie();
  const p = await createProduct(cookie, { price, currency, ...fields });
  const up = await upload(p.id, "guide.pdf", PDF, cookie);
  expect(up.status).toBe(200);
  const fileId = ((await up.json()) as { id: string }).id;
  expect((await postForm(`/dashboard/products/${p.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
  return { seller, cookie, ...p, fileId };
}

export async function buy(productId: string, handle: string, slug: string, buyerCookie: string) {
  const res = await postForm(`/@${handle}/products/${slug}`, { productId }, { cookie: buyerCookie });
  expect(res.status).toBe(302);
  const checkoutUrl = res.headers.get("Location")!;
  expect(checkoutUrl).toContain("/checkout/pay/cs_");
  const paid = await payCheckout(checkoutUrl);
  expect(paid.status).toBe(303);
  return { checkoutUrl, returnUrl: paid.headers.get("Location")!, sessionId: checkoutUrl.split("/checkout/pay/")[1] };
}

/** A buyer who has bought a freshly published product (webhooks delivered unless `deliverNow` is false). */
export async function purchased(opts: { deliverNow?: boolean } = {}) {
  const product = await publishedProduct();
  const buyer = await makeUser(env);
  const cookie = await buyer.cookie();
  const { sessionId } = await buy(product.id, product.seller.handle, product.slug, cookie);
  if (opts.deliverNow !== false) await deliver(buyer.id);
  const session = await getStripe(env).checkout.sessions.retrieve(sessionId);
  return { ...product, buyer, cookie, sessionId, paymentIntent: String(session.payment_intent) };
}

export async function makeTier(cookie: string, fields: Record<string, string> = {}) {
  const name = fields.name ?? `Tier ${crypto.randomUUID().slice(0, 6)}`;
  const res = await postForm(
    "/dashboard/tiers/new",
    { name, pricing: "fixed", currency: "usd", monthly: "5", annual: "50", benefits: "Monthly Q&A\nPrivate Discord", ...fields },
    { cookie },
  );
  expect(res.status).toBe(302);
  const row = await env.DB.prepare("SELECT * FROM tiers WHERE name=?").bind(name).first<Record<string, string | number | null>>();
  return row!;
}

export async function subscribe(tierId: string, cookie: string, fields: Record<string, string> = { interval: "month" }) {
  return postForm(`/tiers/${tierId}`, { intent: "subscribe", ...fields }, { cookie });
}

/** Starts the real paid-tier Checkout and pays it in the emulator; returns the session id. */
export async function subscribeAndPay(tierId: string, cookie: string, fields?: Record<string, string>) {
  const res = await subscribe(tierId, cookie, fields);
  expect(res.status).toBe(302);
  const url = res.headers.get("Location")!;
  const paid = await payCheckout(url);
  expect(paid.status).toBe(303);
  return url.split("/checkout/pay/")[1];
}

export const membership = (userId: string, tierId: string) =>
  env.DB.prepare(
    "SELECT status, amount, interval, cancel_at_period_end AS cancelAtPeriodEnd, current_period_end AS periodEnd, stripe_subscription_id AS sub, note FROM memberships WHERE user_id=? AND tier_id=?",
  )
    .bind(userId, tierId)
    .first<{
      status: string;
      amount: number;
      interval: string;
      cancelAtPeriodEnd: number;
      periodEnd: number;
      sub: string;
      note: string | null;
    }>();

/** A paying member of a fresh $5/month tier (the real paid-tier Checkout, webhooks delivered). */
export async function payingMember() {
  const seller = await makeSeller(env);
  const tier = await makeTier(await seller.cookie(), { maxSubscribers: "5" });
  const member = await makeUser(env);
  const cookie = await member.cookie();
  await subscribeAndPay(String(tier.id), cookie);
  await deliver(member.id);
  const m = (await membership(member.id, String(tier.id)))!;
  expect(m.status).toBe("active");
  return { seller, tierId: String(tier.id), member, cookie, sub: m.sub };
}
