import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { deliver, emulator } from "~/test/stripe";
import { buy, createProduct, PDF, productSlug, publishedProduct, purchased, upload } from "~/test/money";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";

const slug = productSlug;

describe("digital products: create, upload, publish", () => {
  it("validates price limits and slugs per creator", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    for (const [price, currency, msg] of [
      ["0.50", "usd", "lowest price is $1.00"],
      ["10000.01", "usd", "highest price is $10,000.00"],
      ["19.999", "usd", "Enter a price"],
      ["10", "jpy", "lowest price is ¥50"],
    ]) {
      const res = await postForm("/dashboard/products/new", { type: "ebook", title: "X", slug: slug(), price, currency }, { cookie });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(msg);
    }
    const p = await createProduct(cookie);
    const dup = await postForm(
      "/dashboard/products/new",
      { type: "ebook", title: "Y", slug: p.slug, price: "5", currency: "usd" },
      { cookie },
    );
    expect(dup.status).toBe(409);
  });

  it("accepts allowlisted files by their bytes, refuses lies, stores them privately", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const p = await createProduct(cookie);
    expect((await upload(p.id, "guide.pdf", PDF, cookie)).status).toBe(200);
    expect((await upload(p.id, "notes.md", new TextEncoder().encode("# Notes\n\nHello"), cookie)).status).toBe(200);
    expect((await upload(p.id, "data.json", new TextEncoder().encode('{"a":1}'), cookie)).status).toBe(200);
    const fake = await upload(p.id, "evil.pdf", new TextEncoder().encode("MZ this is really an .exe"), cookie);
    expect(fake.status).toBe(415);
    expect(((await fake.json()) as { error: string }).error).toContain("doesn't look like a PDF");
    expect((await upload(p.id, "run.exe", PDF, cookie)).status).toBe(415);
    expect((await upload(p.id, "bin.txt", new Uint8Array([0x68, 0x69, 0, 0, 1, 2]), cookie)).status).toBe(415);
    const huge = await app(`/dashboard/products/${p.id}/files?name=big.zip`, {
      method: "POST",
      body: "PK",
      cookie,
      headers: { "Content-Length": String(101 * 1024 * 1024) },
    }).catch(() => null);
    if (huge) expect([413, 400]).toContain(huge.status);
    const keys = (await env.MEDIA.list({ prefix: `private/products/${p.id}/` })).objects.map((o) => o.key);
    expect(keys).toHaveLength(3);
    // Never served by the public media route.
    expect((await app(`/media/${keys[0]}`)).status).toBe(404);
    // Someone else can't add files to it.
    const other = await makeCreator(env);
    expect((await upload(p.id, "x.pdf", PDF, await other.cookie())).status).toBe(403);
  });

  it("a creator without payouts shows paid products as coming soon and checkout is refused", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const p = await createProduct(cookie);
    await upload(p.id, "guide.pdf", PDF, cookie);
    await postForm(`/dashboard/products/${p.id}`, { intent: "publish" }, { cookie });
    expect(await (await app(`/@${c.handle}`)).text()).toContain("Coming soon");
    const buyer = await makeUser(env);
    const res = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id }, { cookie: await buyer.cookie() });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("coming soon");
  });
});

describe("purchase → webhook → order → download", () => {
  it("grants access only from the verified webhook, then serves the file to the buyer alone", async () => {
    const { seller, id, slug: s, fileId } = await publishedProduct();
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const { returnUrl, sessionId } = await buy(id, seller.handle, s, cookie);
    expect(returnUrl).toContain(`/checkout/return?session_id=${sessionId}`);

    // Back from Checkout, before the webhook: honest "processing", no access.
    const path = new URL(returnUrl).pathname + new URL(returnUrl).search;
    expect(await (await app(path, { cookie })).text()).toContain("Processing…");
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(404);

    await deliver(buyer.id);
    expect(await (await app(path, { cookie })).text()).toContain("Ready");
    const dl = await app(`/library/download/${fileId}`, { cookie });
    expect(dl.status).toBe(200);
    expect(dl.headers.get("Content-Disposition")).toContain('attachment; filename="guide.pdf"');
    expect(dl.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(dl.headers.get("Cache-Control")).toContain("no-store");
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(PDF);
    expect(await (await app("/library", { cookie })).text()).toContain(`/library/download/${fileId}`);

    // Others: another user 404, anonymous 403 — and no bytes.
    const other = await makeUser(env);
    const o = await app(`/library/download/${fileId}`, { cookie: await other.cookie() });
    expect(o.status).toBe(404);
    expect(await o.text()).not.toContain("%PDF");
    expect((await app(`/library/download/${fileId}`)).status).toBe(403);

    // The order records gross, fee and net; the dashboard shows the 8%.
    const order = await env.DB.prepare("SELECT gross, fee, net, status FROM orders WHERE checkout_session_id=?").bind(sessionId).first();
    expect(order).toEqual({ gross: 1999, fee: 160, net: 1839, status: "paid" });
    const dash = await (await app("/dashboard", { cookie: await seller.cookie() })).text();
    expect(dash).toContain("$19.99");
    expect(dash).toContain("$1.60");
    expect(dash).toContain("$18.39");

    // Buying again opens no checkout: it's already theirs, and the product page says so.
    const again = await postForm(`/@${seller.handle}/products/${s}`, { productId: id }, { cookie });
    expect(again.status).toBe(303);
    expect(again.headers.get("Location")).toBe(`/@${seller.handle}/products/${s}?owned=1`);
  });

  it("a redirect alone (forged success URL) grants nothing", async () => {
    const { seller, id, slug: s, fileId } = await publishedProduct();
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const res = await postForm(`/@${seller.handle}/products/${s}`, { productId: id }, { cookie });
    const sessionId = res.headers.get("Location")!.split("/checkout/pay/")[1];
    // Not paid; the buyer just visits the return URL.
    expect(await (await app(`/checkout/return?session_id=${sessionId}`, { cookie })).text()).toContain("Processing…");
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(404);
    // Someone else's session id is not visible to another user.
    const other = await makeUser(env);
    expect((await app(`/checkout/return?session_id=${sessionId}`, { cookie: await other.cookie() })).status).toBe(404);
  });

  it("a refund from the dashboard revokes access and reverses the fee; charge.refunded agrees", async () => {
    const { seller, id, slug: s, fileId } = await publishedProduct("10.00");
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    await buy(id, seller.handle, s, cookie);
    await deliver(buyer.id);
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(200);
    const orderId = (await env.DB.prepare("SELECT id FROM orders WHERE buyer_id=?").bind(buyer.id).first<{ id: string }>())!.id;

    // Only the seller may refund.
    expect((await postForm("/dashboard", { orderId }, { cookie })).status).toBe(403);
    const r = await postForm("/dashboard", { orderId }, { cookie: await seller.cookie() });
    expect(r.status).toBe(200);
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(404);
    const events = await deliver(buyer.id);
    expect(events.map((e) => e.event.type)).toContain("charge.refunded");
    // Stripe refunded the fee too (refund_application_fee) and reversed the transfer.
    const { objects } = await emulator<{
      objects: { object: string; amount_refunded?: number; amount_reversed?: number; metadata?: Record<string, string> }[];
    }>("/_emulator/state");
    expect(objects.some((o) => o.object === "application_fee" && o.amount_refunded === 80)).toBe(true);
    const dash = await (await app("/dashboard", { cookie: await seller.cookie() })).text();
    expect(dash).toContain("Refunded: $10.00");
    expect((await postForm("/dashboard", { orderId }, { cookie: await seller.cookie() })).status).toBe(409);
  });

  it("a refund made in Stripe (charge.refunded) revokes access too", async () => {
    const { buyer, cookie, fileId, paymentIntent } = await purchased();
    await getStripe(env).refunds.create({ payment_intent: paymentIntent });
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(200); // not yet: webhook pending
    await deliver(buyer.id);
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(404);
    expect(await (await app("/library", { cookie })).text()).toContain("Refunded — access has ended");
  });

  it("a dispute (charge.dispute.created) pauses access and is recorded", async () => {
    const { buyer, cookie, fileId, sessionId, paymentIntent } = await purchased();
    await emulator(`/_emulator/charges/${paymentIntent}/dispute`, { reason: "fraudulent" });
    await deliver(buyer.id, paymentIntent);
    expect((await app(`/library/download/${fileId}`, { cookie })).status).toBe(404);
    const row = await env.DB.prepare("SELECT status FROM orders WHERE checkout_session_id=?").bind(sessionId).first<{ status: string }>();
    expect(row!.status).toBe("disputed");
    const d = await env.DB.prepare("SELECT reason FROM disputes WHERE payment_intent_id=?").bind(paymentIntent).first<{ reason: string }>();
    expect(d!.reason).toBe("fraudulent");
  });

  it("JPY products charge whole yen with an 8% fee", async () => {
    const { seller, id, slug: s } = await publishedProduct("1999", "jpy");
    const buyer = await makeUser(env);
    const { sessionId } = await buy(id, seller.handle, s, await buyer.cookie());
    await deliver(buyer.id);
    const order = await env.DB.prepare("SELECT gross, fee, net, currency FROM orders WHERE checkout_session_id=?").bind(sessionId).first();
    expect(order).toEqual({ gross: 1999, fee: 160, net: 1839, currency: "jpy" });
    const session = await getStripe(env).checkout.sessions.retrieve(sessionId, { expand: ["payment_intent"] });
    expect((session.payment_intent as { application_fee_amount: number }).application_fee_amount).toBe(160);
  });
});

describe("courses", () => {
  it("buyers get ordered lessons, mark them complete and resume where they left", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const p = await createProduct(cookie, { type: "course", title: "Evals for everyone" });
    for (const title of ["Why evals", "Your first eval", "Shipping"]) {
      expect(
        (await postForm(`/dashboard/products/${p.id}`, { intent: "add-lesson", title, body: `All about **${title}**` }, { cookie })).status,
      ).toBe(200);
    }
    await postForm(`/dashboard/products/${p.id}`, { intent: "publish" }, { cookie });
    const lessonIds = (
      await env.DB.prepare("SELECT id FROM lessons WHERE product_id=? ORDER BY position").bind(p.id).all<{ id: string }>()
    ).results.map((r) => r.id);
    // Reorder: move the last one up.
    await postForm(`/dashboard/products/${p.id}`, { intent: "move-lesson", lessonId: lessonIds[2], direction: "up" }, { cookie });

    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    expect((await app(`/library/courses/${p.id}`, { cookie: bc })).status).toBe(404); // not bought
    await buy(p.id, seller.handle, p.slug, bc);
    await deliver(buyer.id);
    const first = await (await app(`/library/courses/${p.id}`, { cookie: bc })).text();
    expect(first.indexOf("Shipping")).toBeLessThan(first.indexOf("Your first eval"));
    expect(first).toContain("0 of 3 done");
    await postForm(`/library/courses/${p.id}`, { lessonId: lessonIds[0], done: "1" }, { cookie: bc });
    await app(`/library/courses/${p.id}?lesson=${lessonIds[1]}`, { cookie: bc }); // opens lesson 2 (now 3rd)
    const resumed = await (await app(`/library/courses/${p.id}`, { cookie: bc })).text();
    expect(resumed).toContain("1 of 3 done");
    expect(resumed).toMatch(/<h2[^>]*>Your first eval<\/h2>/);
  });
});
