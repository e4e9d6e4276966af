import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { createProduct, PDF, productSlug, upload } from "~/test/money";
import { deliver, payCheckout } from "~/test/stripe";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { FREE_ORDER_LIMITS } from "~/modules/payments/checkout.server";

type Seller = Awaited<ReturnType<typeof makeSeller>>;

/** A published product with one PDF, priced by `fields` (pricing, price, minimum). */
async function published(seller: Seller | Awaited<ReturnType<typeof makeCreator>>, fields: Record<string, string>) {
  const cookie = await seller.cookie();
  const p = await createProduct(cookie, fields);
  const up = await upload(p.id, "guide.pdf", PDF, cookie);
  expect(up.status).toBe(200);
  const fileId = ((await up.json()) as { id: string }).id;
  expect((await postForm(`/dashboard/products/${p.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
  return { ...p, fileId };
}

const ordersOf = async (buyerId: string, productId: string) =>
  (
    await env.DB.prepare("SELECT checkout_session_id AS [key], gross, fee, net, status FROM orders WHERE buyer_id=? AND product_id=?")
      .bind(buyerId, productId)
      .all<{ key: string; gross: number; fee: number; net: number; status: string }>()
  ).results;

const checkoutsOf = async (userId: string) =>
  Number((await env.DB.prepare("SELECT count(*) AS n FROM checkouts WHERE user_id=?").bind(userId).first<{ n: number }>())?.n);

async function waitForReceipt(to: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (
      await env.DB.prepare("SELECT id, subject, text FROM dev_mailbox WHERE to_address=? ORDER BY id")
        .bind(to)
        .all<{ id: string; subject: string; text: string }>()
    ).results.filter((m) => m.id.startsWith("receipt:order:"));
    if (rows.length) return rows;
    if (Date.now() > deadline) throw new Error(`no receipt to ${to}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("pricing a product: fixed, free, pay what you want", () => {
  it("refuses bad minimums and suggestions with clear messages and writes nothing", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const cases: [Record<string, string>, string, string][] = [
      [{ pricing: "pwyw", price: "10", minimum: "0.30" }, "minimum", "must be at least $1.00"],
      [{ pricing: "pwyw", price: "10", minimum: "12" }, "minimum", "can't be more than the suggested price ($10.00)"],
      [{ pricing: "pwyw", price: "10", minimum: "4.999" }, "minimum", "Enter a minimum"],
      [{ pricing: "pwyw", price: "", minimum: "0" }, "price", "Enter a suggested price"],
      [{ pricing: "pwyw", price: "0.20", minimum: "0" }, "price", "lowest suggested price is $1.00"],
      [{ pricing: "sometimes", price: "10" }, "pricing", "Choose fixed price, free or pay what you want"],
    ];
    for (const [fields, , msg] of cases) {
      const slug = productSlug();
      const res = await postForm("/dashboard/products/new", { type: "ebook", title: "X", slug, currency: "usd", ...fields }, { cookie });
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expect(await res.text()).toContain(msg);
      expect(await env.DB.prepare("SELECT id FROM products WHERE slug=?").bind(slug).first()).toBeNull();
    }
  });

  it("stores free and pay-what-you-want prices in minor units and labels them on the storefront", async () => {
    const c = await makeSeller(env);
    const free = await published(c, { pricing: "free", price: "999", title: "Starter prompts" });
    const pwyw = await published(c, { pricing: "pwyw", price: "12.50", minimum: "0", title: "Booking-bot kit" });
    const pwyw5 = await published(c, { pricing: "pwyw", price: "20", minimum: "5", title: "Pro kit" });
    const rows = (
      await env.DB.prepare("SELECT id, pricing, price_amount AS price, minimum_amount AS minimum FROM products WHERE creator_id=?")
        .bind(c.id)
        .all<{ id: string; pricing: string; price: number; minimum: number | null }>()
    ).results;
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(by[free.id]).toMatchObject({ pricing: "free", price: 0, minimum: null });
    expect(by[pwyw.id]).toMatchObject({ pricing: "pwyw", price: 1250, minimum: 0 });
    expect(by[pwyw5.id]).toMatchObject({ pricing: "pwyw", price: 2000, minimum: 500 });
    const store = await (await app(`/@${c.handle}`)).text();
    expect(store).toContain("Free");
    expect(store).toContain("$0.00+");
    expect(store).toContain("$5.00+");
    // The product page shows the suggested price first and prefills it.
    const page = await (await app(`/@${c.handle}/products/${pwyw5.slug}`)).text();
    expect(page).toContain("$20.00");
    expect(page).toContain("minimum $5.00");
    expect(page).toMatch(/name="amount"[^>]*value="20.00"/);
    // Editing without sending pricing keeps it (a partial save never turns it into a fixed price).
    const cookie = await c.cookie();
    expect((await postForm(`/dashboard/products/${pwyw5.id}`, { intent: "save", title: "Pro kit 2" }, { cookie })).status).toBe(200);
    expect(
      await env.DB.prepare("SELECT pricing, price_amount AS price, minimum_amount AS minimum FROM products WHERE id=?")
        .bind(pwyw5.id)
        .first(),
    ).toEqual({ pricing: "pwyw", price: 2000, minimum: 500 });
  });
});

describe("free products: a $0 order without Stripe", () => {
  it("records one paid $0 order, delivers the file and a receipt, and needs no payouts", async () => {
    const c = await makeCreator(env); // no Stripe account at all
    const p = await published(c, { pricing: "free" });
    expect(await (await app(`/@${c.handle}/products/${p.slug}`)).text()).toContain("Get it free");
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const res = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/@${c.handle}/products/${p.slug}?owned=1`);
    const [order] = await ordersOf(buyer.id, p.id);
    expect(order).toMatchObject({ gross: 0, fee: 0, net: 0, status: "paid" });
    expect(order.key).toMatch(/^free_/);
    expect(await checkoutsOf(buyer.id)).toBe(0);
    const dl = await app(`/library/download/${p.fileId}`, { cookie });
    expect(dl.status).toBe(200);
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(PDF);
    expect(await (await app("/library", { cookie })).text()).toContain(`/library/download/${p.fileId}`);
    const [receipt] = await waitForReceipt(buyer.email);
    expect(receipt.subject).toContain("Support bot prompts");
    // Someone who didn't claim it still can't download.
    expect((await app(`/library/download/${p.fileId}`, { cookie: await (await makeUser(env)).cookie() })).status).toBe(404);
  });

  it("makes exactly one order when one person claims it many times at once", async () => {
    const c = await makeCreator(env);
    const p = await published(c, { pricing: "free" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id }, { cookie })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(303));
    expect(await ordersOf(buyer.id, p.id)).toHaveLength(1);
  });

  it("rate-limits free orders per email and per IP with 429 and writes no order", async () => {
    const c = await makeCreator(env);
    const p = await published(c, { pricing: "free" });
    const window = FREE_ORDER_LIMITS.windowSeconds;
    const now = Math.floor(Date.now() / 1000);
    const windowStart = now - (now % window);
    const seed = (key: string, count: number) =>
      env.DB.prepare("INSERT OR REPLACE INTO rate_limits (key, window_start, count) VALUES (?, ?, ?)").bind(key, windowStart, count).run();

    const busyEmail = await makeUser(env);
    await seed(`free-order:email:${busyEmail.email.toLowerCase()}`, FREE_ORDER_LIMITS.perEmail);
    const byEmail = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id }, { cookie: await busyEmail.cookie() });
    expect(byEmail.status).toBe(429);
    expect(Number(byEmail.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await byEmail.text()).toContain("a lot of free downloads");
    expect(await ordersOf(busyEmail.id, p.id)).toHaveLength(0);

    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    await seed(`free-order:ip:${ip}`, FREE_ORDER_LIMITS.perIp - 1);
    const first = await makeUser(env);
    const second = await makeUser(env);
    const ok = await postForm(
      `/@${c.handle}/products/${p.slug}`,
      { productId: p.id },
      { cookie: await first.cookie(), headers: { "CF-Connecting-IP": ip } },
    );
    expect(ok.status).toBe(303);
    const refused = await postForm(
      `/@${c.handle}/products/${p.slug}`,
      { productId: p.id },
      { cookie: await second.cookie(), headers: { "CF-Connecting-IP": ip } },
    );
    expect(refused.status).toBe(429);
    expect(await ordersOf(first.id, p.id)).toHaveLength(1);
    expect(await ordersOf(second.id, p.id)).toHaveLength(0);
  });
});

describe("pay what you want", () => {
  it("validates the buyer's amount in minor units: minimum, no rounding, card minimum, maximum", async () => {
    const c = await makeSeller(env);
    const p5 = await published(c, { pricing: "pwyw", price: "10", minimum: "5" });
    const p0 = await published(c, { pricing: "pwyw", price: "10", minimum: "0" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const cases: [string, string, string][] = [
      [p5.slug, "4.99", "The minimum is $5.00."],
      [p5.slug, "0", "The minimum is $5.00."],
      [p5.slug, "7.999", "Enter an amount like 5 or 7.50."],
      [p5.slug, "", "Enter an amount like 5 or 7.50."],
      [p5.slug, "-3", "Enter an amount like 5 or 7.50."],
      [p5.slug, "10000.01", "The most you can pay is $10,000.00."],
      [p0.slug, "0.30", "Pay $0.00 to get it free, or at least $1.00 by card."],
    ];
    for (const [slug, amount, msg] of cases) {
      const id = slug === p5.slug ? p5.id : p0.id;
      const res = await postForm(`/@${c.handle}/products/${slug}`, { productId: id, amount }, { cookie });
      expect(res.status, amount).toBe(422);
      expect(await res.text()).toContain(msg);
    }
    expect(await checkoutsOf(buyer.id)).toBe(0);
    expect(await ordersOf(buyer.id, p5.id)).toHaveLength(0);
  });

  it("charges the chosen amount with the 8% fee on what is paid, and records gross, fee and net", async () => {
    const c = await makeSeller(env);
    const p = await published(c, { pricing: "pwyw", price: "10", minimum: "5" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    // A first choice, then a change of mind: the open checkout is replaced, never charged twice.
    const first = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id, amount: "7" }, { cookie });
    expect(first.status).toBe(302);
    const firstId = first.headers.get("Location")!.split("/checkout/pay/")[1];
    const res = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id, amount: "12.34" }, { cookie });
    expect(res.status).toBe(302);
    const url = res.headers.get("Location")!;
    const sessionId = url.split("/checkout/pay/")[1];
    expect(sessionId).not.toBe(firstId);
    expect((await getStripe(env).checkout.sessions.retrieve(firstId)).status).toBe("expired");
    const session = await getStripe(env).checkout.sessions.retrieve(sessionId, { expand: ["payment_intent"] });
    expect(session.amount_total).toBe(1234);
    // Same amount again: the same open checkout.
    const again = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id, amount: "12.34" }, { cookie });
    expect(again.headers.get("Location")).toBe(url);

    expect((await payCheckout(url)).status).toBe(303);
    await deliver(buyer.id);
    const orders = await ordersOf(buyer.id, p.id);
    // 8% of 1234 = 98.72 → 99 (half up); the creator gets the rest.
    expect(orders).toEqual([{ key: sessionId, gross: 1234, fee: 99, net: 1135, status: "paid" }]);
    const pi = await getStripe(env).paymentIntents.retrieve(
      String((await getStripe(env).checkout.sessions.retrieve(sessionId)).payment_intent),
    );
    expect(pi.application_fee_amount).toBe(99);
    expect((await app(`/library/download/${p.fileId}`, { cookie })).status).toBe(200);
  });

  it("takes 0 as a free order when the minimum is 0 (no Stripe, no fee)", async () => {
    const c = await makeSeller(env);
    const p = await published(c, { pricing: "pwyw", price: "10", minimum: "0" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const res = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id, amount: "0" }, { cookie });
    expect(res.status).toBe(303);
    expect(await ordersOf(buyer.id, p.id)).toMatchObject([{ gross: 0, fee: 0, net: 0, status: "paid" }]);
    expect(await checkoutsOf(buyer.id)).toBe(0);
    // Already theirs: a later paid attempt opens no checkout.
    const later = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id, amount: "10" }, { cookie });
    expect(later.status).toBe(303);
    expect(later.headers.get("Location")).toContain("?owned=1");
    expect(await checkoutsOf(buyer.id)).toBe(0);
  });
});
