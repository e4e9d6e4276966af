/**
 * Guest checkout (D71): buying without an account. The order goes to the account of the email
 * Checkout collected (made if new), nobody is signed in, only the browser that bought sees the
 * thank-you page and the files, and nothing a guest sees depends on whether the email had an account.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm, sessionCookie } from "~/test/http";
import { createProduct, PDF, publishedProduct, upload } from "~/test/money";
import { deliver, payCheckout } from "~/test/stripe";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { FREE_ORDER_LIMITS } from "./checkout.server";

const guestCookieOf = (res: Response) => (res.headers.getSetCookie?.() ?? []).find((c) => c.startsWith("at_guest="))?.split(";")[0] ?? null;
const newEmail = () => `guest-${crypto.randomUUID().slice(0, 8)}@example.test`;

type Mail = { id: string; subject: string; text: string; html: string };
async function mailTo(to: string, prefix = "receipt:order:", timeoutMs = 15_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (
      await env.DB.prepare("SELECT id, subject, text, html FROM dev_mailbox WHERE to_address=? ORDER BY id").bind(to).all<Mail>()
    ).results.filter((m) => m.id.startsWith(prefix));
    if (rows.length) return rows[0];
    if (Date.now() > deadline) throw new Error(`no ${prefix} email to ${to}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A guest buys `product` paying with `email` in Checkout; returns what the browser holds. */
async function guestBuys(product: { id: string; slug: string; seller: { handle: string } }, email: string) {
  const start = await postForm(`/@${product.seller.handle}/products/${product.slug}`, { productId: product.id });
  expect(start.status).toBe(303);
  expect(sessionCookie(start)).toBeUndefined();
  const guest = guestCookieOf(start);
  expect(guest).toBeTruthy();
  const checkoutUrl = start.headers.get("Location")!;
  expect(checkoutUrl).toContain("/checkout/pay/cs_");
  const sessionId = checkoutUrl.split("/checkout/pay/")[1];
  const paid = await payCheckout(checkoutUrl, { email });
  expect(paid.status).toBe(303);
  const returnUrl = new URL(paid.headers.get("Location")!);
  return { guest: guest!, sessionId, returnPath: returnUrl.pathname + returnUrl.search };
}

const orderOf = (sessionId: string) =>
  env.DB.prepare(
    "SELECT o.buyer_id AS buyerId, o.gross, o.fee, o.net, o.status, o.guest, u.email, u.guest_at AS guestAt FROM orders o JOIN users u ON u.id = o.buyer_id WHERE o.checkout_session_id=?",
  )
    .bind(sessionId)
    .first<{
      buyerId: string;
      gross: number;
      fee: number;
      net: number;
      status: string;
      guest: number;
      email: string;
      guestAt: number | null;
    }>();

describe("guest checkout of a paid product", () => {
  it("a new email: processing, then the files for this browser only, a receipt with a set-password link, and a library after it", async () => {
    const product = await publishedProduct();
    const email = newEmail();
    const { guest, sessionId, returnPath } = await guestBuys(product, email);

    // Before the webhook: honest "processing", no files.
    const before = await (await app(returnPath, { cookie: guest })).text();
    expect(before).toContain("Processing…");
    expect(before).not.toContain("/checkout/files/");

    await deliver(sessionId);
    const page = await app(returnPath, { cookie: guest });
    expect(sessionCookie(page)).toBeUndefined();
    const html = await page.text();
    expect(html).toContain("Ready");
    const href = /href="(\/checkout\/files\/[^"]+)"/.exec(html)![1].replace(/&amp;/g, "&");
    const dl = await app(href, { cookie: guest });
    expect(dl.status).toBe(200);
    expect(dl.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(PDF);
    // Anyone else: no page, no file.
    expect((await app(href)).status).toBe(404);
    expect((await app(href, { cookie: "at_guest=someoneelsesTokenThatIsLongEnough1234" })).status).toBe(404);
    const stranger = await app(returnPath, { cookie: "at_guest=someoneelsesTokenThatIsLongEnough1234" });
    expect(stranger.status).toBe(302); // not theirs: the sign-in page, nothing about the purchase
    expect(await stranger.text()).not.toContain(product.slug);

    // The order: the new account of that email (no password yet), gross/fee/net recorded.
    const order = await orderOf(sessionId);
    expect(order).toMatchObject({ gross: 1999, fee: 160, net: 1839, status: "paid", guest: 1, email });
    expect(order!.guestAt).not.toBeNull();

    // The receipt carries the link that sets a password; using it signs in and opens the library.
    const receipt = await mailTo(email);
    const link = /\/reset-password\/([A-Za-z0-9_-]+)/.exec(receipt.text)![0];
    expect(receipt.text).toContain("Set a password");
    expect((await app(link)).status).toBe(200);
    const set = await postForm(link, { password: "a-long-enough-password" });
    expect(set.status).toBe(302);
    const session = sessionCookie(set)!;
    expect(session).toBeTruthy();
    const library = await (await app("/library", { cookie: session })).text();
    expect(library).toContain(`/library/download/${product.fileId}`);
    expect((await orderOf(sessionId))!.guestAt).toBeNull();
  });

  it("an email that has an account: the same page, nobody signed in, the purchase in that account once they sign in", async () => {
    const product = await publishedProduct();
    const owner = await makeUser(env);
    const fresh = newEmail();
    const a = await guestBuys(product, owner.email);
    const b = await guestBuys(product, fresh);
    await deliver(a.sessionId);
    await deliver(b.sessionId);
    const pageA = await app(a.returnPath, { cookie: a.guest });
    const pageB = await app(b.returnPath, { cookie: b.guest });
    expect(pageA.status).toBe(pageB.status);
    expect(sessionCookie(pageA)).toBeUndefined();
    const norm = (html: string, sid: string) => html.replaceAll(sid, "SID").replaceAll(encodeURIComponent(sid), "SID");
    expect(norm(await pageA.text(), a.sessionId)).toBe(norm(await pageB.text(), b.sessionId));

    // The guest browser is not signed in to the account.
    expect((await app("/library", { cookie: a.guest })).status).toBe(302);
    // The account holder sees it after signing in (their proof).
    const order = await orderOf(a.sessionId);
    expect(order).toMatchObject({ buyerId: owner.id, guest: 1, guestAt: null });
    expect(await (await app("/library", { cookie: await owner.cookie() })).text()).toContain(`/library/download/${product.fileId}`);
    // Their receipt doesn't hand out a set-password link: they already have a password.
    const receipt = await mailTo(owner.email);
    expect(receipt.text).not.toContain("/reset-password/");
    expect(receipt.text).toContain("/library");
  });

  it("a second guest purchase by an email that already owns it is not refunded as a duplicate (that would reveal the account)", async () => {
    const product = await publishedProduct();
    const owner = await makeUser(env);
    const cookie = await owner.cookie();
    const first = await postForm(`/@${product.seller.handle}/products/${product.slug}`, { productId: product.id }, { cookie });
    const firstSession = first.headers.get("Location")!.split("/checkout/pay/")[1];
    await payCheckout(first.headers.get("Location")!);
    await deliver(firstSession);
    const g = await guestBuys(product, owner.email);
    await deliver(g.sessionId);
    expect(await orderOf(g.sessionId)).toMatchObject({ status: "paid", guest: 1 });
    expect(await (await app(g.returnPath, { cookie: g.guest })).text()).toContain("Ready");
  });
});

describe("guest claims of free products", () => {
  it("asks for an email, records one $0 order, and answers the same for a new and an existing email", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const p = await createProduct(cookie, { pricing: "free" });
    expect((await upload(p.id, "guide.pdf", PDF, cookie)).status).toBe(200);
    expect((await postForm(`/dashboard/products/${p.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
    const path = `/@${c.handle}/products/${p.slug}`;
    expect(await (await app(path)).text()).toContain('name="email"');

    for (const [email, msg] of [
      ["", "Enter your email address."],
      ["not-an-email", "Enter a valid email address"],
    ]) {
      const res = await postForm(path, { productId: p.id, email });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(msg);
    }

    const existing = await makeUser(env);
    const results = [];
    for (const email of [newEmail(), existing.email, existing.email]) {
      const res = await postForm(path, { productId: p.id, email });
      expect(res.status).toBe(303);
      expect(sessionCookie(res)).toBeUndefined();
      const loc = res.headers.get("Location")!;
      expect(loc).toMatch(/^\/checkout\/return\?session_id=free_[A-Za-z0-9]+$/);
      const guest = guestCookieOf(res)!;
      const html = await (await app(loc, { cookie: guest })).text();
      expect(html).toContain("Ready");
      results.push(html.replace(/free_[A-Za-z0-9]+/g, "KEY"));
    }
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]); // claiming again: the same page, no second order
    const n = await env.DB.prepare("SELECT count(*) AS n, sum(gross) AS g FROM orders WHERE buyer_id=? AND product_id=?")
      .bind(existing.id, p.id)
      .first<{ n: number; g: number }>();
    expect(n).toEqual({ n: 1, g: 0 });
  });

  it("is rate-limited per email for guests too", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const p = await createProduct(cookie, { pricing: "free" });
    await upload(p.id, "guide.pdf", PDF, cookie);
    await postForm(`/dashboard/products/${p.id}`, { intent: "publish" }, { cookie });
    const email = newEmail();
    const now = Math.floor(Date.now() / 1000);
    const w = FREE_ORDER_LIMITS.windowSeconds;
    await env.DB.prepare("INSERT OR REPLACE INTO rate_limits (key, window_start, count) VALUES (?, ?, ?)")
      .bind(`free-order:email:${email}`, now - (now % w), FREE_ORDER_LIMITS.perEmail)
      .run();
    const res = await postForm(`/@${c.handle}/products/${p.slug}`, { productId: p.id, email });
    expect(res.status).toBe(429);
    expect(await env.DB.prepare("SELECT id FROM users WHERE email=?").bind(email).first()).toBeNull();
  });
});
