import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { isAppError } from "~/lib/errors";
import { app, postForm } from "~/test/http";
import { deliver, payCheckout, sessionIdFrom } from "~/test/stripe";
import { makeApp, makeCreator, makeUser } from "~/modules/demo/factories.server";
import { publishedProduct } from "~/test/money";
import { dayLabel, dayNumber, promotionSlots, reviewPromotion, startPromotionCheckout } from "./promotions.server";

const ORIGIN = "http://localhost:8787";
const day = (offset: number) => dayLabel(dayNumber() + offset);

/** A promotion's row in the analytics rollups (D115), once the queue has applied its events. */
async function promotionRollup(id: string, want: { views: number; tries: number }) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await env.DB.prepare(
      "SELECT coalesce(sum(views), 0) AS views, coalesce(sum(tries), 0) AS tries FROM analytics_daily WHERE item_kind='promotion' AND item_id=?",
    )
      .bind(id)
      .first<{ views: number; tries: number }>();
    if ((r!.views === want.views && r!.tries === want.tries) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

const promotion = (id: string) =>
  env.DB.prepare("SELECT * FROM promotions WHERE id=?")
    .bind(id)
    .first<{ status: string; refunded_amount: number; payment_intent_id: string; impressions: number; clicks: number; amount: number }>();

async function buyAndPay(owner: Awaited<ReturnType<typeof makeCreator>>, appId: string, placement: string, start: string, days = "3") {
  const { url } = await startPromotionCheckout(env, owner.viewer, { appId, placement, start, days }, ORIGIN);
  expect((await payCheckout(url)).status).toBe(303);
  const s = await getStripe(env).checkout.sessions.retrieve(sessionIdFrom(url));
  await deliver(s.id);
  return String(s.metadata!.promotion_id);
}

/** The organic app slugs of a Discover page, in order (the results list only). */
async function organic(path: string) {
  const html = await (await app(path)).text();
  const results = html.slice(html.indexOf(path === "/" ? 'id="trending-h"' : 'id="results-h"'));
  return [...results.matchAll(/href="\/apps\/([a-z0-9-]+)"/g)].map((m) => m[1]);
}

describe("buying a promotion", () => {
  it("needs a signed-in creator promoting their own published app; admin review is for admins only", async () => {
    const owner = await makeCreator(env);
    const a = await makeApp(env, owner, { category: "data" });
    const anon = await postForm("/dashboard/promotions", { appId: a.id, placement: "discover:data", start: day(1), days: "2" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("Location")).toContain("/login");
    const other = await makeCreator(env);
    const theirs = await postForm(
      "/dashboard/promotions",
      { appId: a.id, placement: "discover:data", start: day(1), days: "2" },
      { cookie: await other.cookie() },
    );
    expect(theirs.status).toBe(403);
    const cookie = await owner.cookie();
    for (const [fields, msg] of [
      [{ days: "31" }, "1–30 days"],
      [{ days: "0" }, "1–30 days"],
      [{ start: day(-1) }, "Start today"],
      [{ placement: "discover:nope" }, "Choose where"],
    ] as const) {
      const base: Record<string, string> = { appId: a.id, placement: "discover:data", start: day(1), days: "2" };
      const res = await postForm("/dashboard/promotions", { ...base, ...fields }, { cookie });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(msg);
    }
    const ok = await postForm("/dashboard/promotions", { appId: a.id, placement: "discover:data", start: day(1), days: "2" }, { cookie });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("Location")).toContain("/checkout/pay/");
    // A platform charge: no destination, no application fee.
    const s = await getStripe(env).checkout.sessions.retrieve(sessionIdFrom(ok.headers.get("Location")!), { expand: ["line_items"] });
    expect(s.amount_total).toBe(2 * 1000);
    expect((await payCheckout(ok.headers.get("Location")!)).status).toBe(303);
    await deliver(s.id);
    const paid = await getStripe(env).checkout.sessions.retrieve(s.id);
    const pi = await getStripe(env).paymentIntents.retrieve(String(paid.payment_intent));
    expect(pi.transfer_data).toBeNull();
    expect(pi.application_fee_amount).toBeNull();
    // Review: plain users and creators can't; the queue page is admin-only.
    const user = await makeUser(env);
    const id = String(s.metadata!.promotion_id);
    expect((await postForm("/admin/promotions", { intent: "approve", promotionId: id }, { cookie: await user.cookie() })).status).toBe(403);
    expect((await app("/admin/promotions", { cookie })).status).toBe(403);
    expect((await promotion(id))!.status).toBe("in_review");
  });
});

describe("slots per placement per day", () => {
  it("100 concurrent purchases for 3 slots: exactly 3 checkouts, the rest refused before paying; an expired checkout frees its slot", async () => {
    const owner = await makeCreator(env);
    const a = await makeApp(env, owner, { category: "voice" });
    const start = day(40);
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        startPromotionCheckout(env, owner.viewer, { appId: a.id, placement: "discover:voice", start, days: "5" }, ORIGIN).then(
          (r) => ({ ok: true as const, url: r.url }),
          (e: unknown) => {
            if (!isAppError(e)) throw e;
            return { ok: false as const, status: e.status, message: e.message };
          },
        ),
      ),
    );
    const opened = results.filter((r) => r.ok);
    expect(opened).toHaveLength(3);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(97);
    expect(refused.every((r) => !r.ok && r.status === 409 && r.message.includes("fully booked"))).toBe(true);
    // No half-written promotions for the refused ones.
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM promotions WHERE app_id=?").bind(a.id).first<{ n: number }>();
    expect(rows!.n).toBe(3);
    // An overlapping range is full too; a later one isn't.
    await expect(
      startPromotionCheckout(env, owner.viewer, { appId: a.id, placement: "discover:voice", start: day(44), days: "2" }, ORIGIN),
    ).rejects.toThrow(/fully booked/);
    // One checkout lapses: its days are free again.
    const first = opened[0];
    if (!first.ok) throw new Error("unreachable");
    await getStripe(env).checkout.sessions.expire(sessionIdFrom(first.url));
    await deliver(sessionIdFrom(first.url));
    const again = await startPromotionCheckout(env, owner.viewer, { appId: a.id, placement: "discover:voice", start, days: "5" }, ORIGIN);
    expect(again.url).toContain("/checkout/pay/");
  });
});

describe("a payment that arrives after its hold was swept", () => {
  it("is refunded in full when its days filled up meanwhile, and the placement stays at its cap", async () => {
    const owner = await makeCreator(env);
    const a = await makeApp(env, owner, { category: "content" });
    const start = day(50);
    const late = await startPromotionCheckout(env, owner.viewer, { appId: a.id, placement: "discover:content", start, days: "1" }, ORIGIN);
    const lateId = String((await getStripe(env).checkout.sessions.retrieve(sessionIdFrom(late.url))).metadata!.promotion_id);
    // The hold lapses (as the sweep would do) and three others take the day.
    await promotionSlots(env, "discover:content").release(lateId);
    for (let i = 0; i < 3; i++) await buyAndPay(owner, a.id, "discover:content", start, "1");
    expect((await payCheckout(late.url)).status).toBe(303);
    await deliver(sessionIdFrom(late.url));
    const p = (await promotion(lateId))!;
    expect(p.status).toBe("refunded");
    expect(p.refunded_amount).toBe(p.amount);
    const refunds = await getStripe(env).refunds.list({ payment_intent: p.payment_intent_id });
    expect(refunds.data.reduce((sum, r) => sum + r.amount, 0)).toBe(p.amount);
    expect(await promotionSlots(env, "discover:content").availability(dayNumber() + 50, 1, 3)).toEqual([0]);
  });
});

describe("review, label, counters, refunds", () => {
  it("an approved promotion shows labelled on its category's Discover page; impressions and clicks reach the buyer", async () => {
    const owner = await makeCreator(env);
    const a = await makeApp(env, owner, { category: "research", name: `Promo ${Date.now()}` });
    const id = await buyAndPay(owner, a.id, "discover:research", day(0));
    expect(await (await app("/discover?category=research")).text()).not.toContain(`/promoted/${id}/click`);
    const admin = await makeUser(env, { isAdmin: true });
    const adminCookie = await admin.cookie();
    expect(await (await app("/admin/promotions", { cookie: adminCookie })).text()).toContain(a.name);
    expect((await postForm("/admin/promotions", { intent: "approve", promotionId: id }, { cookie: adminCookie })).status).toBe(200);
    const page = await (await app("/discover?category=research")).text();
    expect(page).toContain(`/promoted/${id}/click`);
    const card = page.slice(page.indexOf('data-testid="promoted-card"'));
    expect(card.slice(0, card.indexOf("</li>"))).toContain(">Promoted<");
    // Not on other placements.
    expect(await (await app("/discover?category=voice")).text()).not.toContain(`/promoted/${id}/`);
    const seen = await app(`/promoted/${id}/seen`);
    expect(seen.headers.get("Content-Type")).toBe("image/gif");
    expect(seen.headers.get("Cache-Control")).toBe("no-store");
    await app(`/promoted/${id}/seen`);
    const click = await app(`/promoted/${id}/click`);
    expect(click.status).toBe(302);
    expect(click.headers.get("Location")).toBe(`/apps/${a.slug}`);
    expect(await promotion(id)).toMatchObject({ impressions: 2, clicks: 1 });
    const dash = (await (await app("/dashboard/promotions", { cookie: await owner.cookie() })).text()).replaceAll("<!-- -->", "");
    expect(dash).toContain("2 impressions · 1 clicks");
    expect(dash).toContain("Running");
    // The same figures through the analytics queue into the daily rollups — on the promotion's own
    // row only: the storefront and the app count no views from them.
    expect(await promotionRollup(id, { views: 2, tries: 1 })).toEqual({ views: 2, tries: 1 });
    const organicRows = await env.DB.prepare("SELECT count(*) AS n FROM analytics_daily WHERE creator_id=? AND item_kind != 'promotion'")
      .bind(owner.id)
      .first<{ n: number }>();
    expect(organicRows!.n).toBe(0);
  });

  it("a product can be promoted on the home page, Discover and a Discover category: labelled, counted, linking to the product; only its creator's", async () => {
    const { seller, cookie, id: productId, slug } = await publishedProduct("12.00");
    const title = `Promoted guide ${Date.now()}`;
    await env.DB.prepare("UPDATE products SET title=? WHERE id=?").bind(title, productId).run();
    const buy = (fields: Record<string, string>, c = cookie) =>
      postForm("/dashboard/promotions", { subject: `product:${productId}`, start: day(0), days: "1", ...fields }, { cookie: c });
    expect((await buy({ placement: "home" }, await (await makeCreator(env)).cookie())).status).toBe(403);
    const unknown = await buy({ placement: "discover:no-such-category" });
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toContain("Unknown category");
    const admin = await makeUser(env, { isAdmin: true });
    const adminCookie = await admin.cookie();
    const ids: string[] = [];
    // The category's slots are shared with apps: 2 apps hold today's, so one is left for the product.
    const owner = await makeCreator(env);
    const rival = await makeApp(env, owner, { category: "productivity", name: `Rival ${Date.now()}` });
    for (let i = 0; i < 2; i++)
      await startPromotionCheckout(
        env,
        owner.viewer,
        { appId: rival.id, placement: "discover:productivity", start: day(0), days: "1" },
        ORIGIN,
      );
    for (const placement of ["home", "discover", "discover:productivity"]) {
      const res = await buy({ placement });
      expect(res.status).toBe(302);
      const url = res.headers.get("Location")!;
      expect((await payCheckout(url)).status).toBe(303);
      const s = await getStripe(env).checkout.sessions.retrieve(sessionIdFrom(url));
      await deliver(s.id);
      const id = String(s.metadata!.promotion_id);
      expect(await (await app("/admin/promotions", { cookie: adminCookie })).text()).toContain(title);
      expect((await postForm("/admin/promotions", { intent: "approve", promotionId: id }, { cookie: adminCookie })).status).toBe(200);
      ids.push(id);
    }
    // Full now: the fourth of the day is refused before paying.
    const full = await startPromotionCheckout(
      env,
      owner.viewer,
      { appId: rival.id, placement: "discover:productivity", start: day(0), days: "1" },
      ORIGIN,
    ).catch((e: unknown) => (isAppError(e) ? e.status : e));
    expect(full).toBe(409);
    for (const [path, id] of [
      ["/", ids[0]],
      ["/discover", ids[1]],
      ["/discover?category=productivity", ids[2]],
    ]) {
      const page = await (await app(path)).text();
      const at = page.indexOf(`/promoted/${id}/click`);
      expect(at, path).toBeGreaterThan(-1);
      const card = page.slice(page.lastIndexOf('data-testid="promoted-card"', at));
      const li = card.slice(0, card.indexOf("</li>"));
      expect(li).toContain(">Promoted<");
      expect(li).toContain(title);
    }
    await app(`/promoted/${ids[0]}/seen`);
    const click = await app(`/promoted/${ids[0]}/click`);
    expect(click.headers.get("Location")).toBe(`/@${seller.handle}/products/${slug}`);
    expect(await promotion(ids[0])).toMatchObject({ impressions: 1, clicks: 1 });
    // The category's promoted product is counted on its own row, and isn't shown in other categories or on the main page's row.
    await app(`/promoted/${ids[2]}/seen`);
    expect(await promotion(ids[2])).toMatchObject({ impressions: 1, clicks: 0 });
    expect(await (await app("/discover?category=voice")).text()).not.toContain(`/promoted/${ids[2]}/`);
    expect(await (await app("/discover")).text()).not.toContain(`/promoted/${ids[2]}/`);
    expect(await promotionRollup(ids[0], { views: 1, tries: 1 })).toEqual({ views: 1, tries: 1 });
    const dash = (await (await app("/dashboard/promotions", { cookie })).text()).replaceAll("<!-- -->", "");
    expect(dash).toContain(title);
    expect(dash).toContain("1 impressions · 1 clicks");
  });

  it("a rejection needs a reason and refunds the days not shown, to the cent, as Stripe did it", async () => {
    const owner = await makeCreator(env);
    const a = await makeApp(env, owner, { category: "design" });
    const admin = await makeUser(env, { isAdmin: true });
    // Rejected while in review: nothing was shown, everything back.
    const early = await buyAndPay(owner, a.id, "discover:design", day(10), "4");
    await expect(reviewPromotion(env, admin.viewer, early, "reject", "")).rejects.toThrow(/Say why/);
    expect(await reviewPromotion(env, admin.viewer, early, "reject", "Misleading screenshots")).toEqual({ refunded: 4000 });
    // Taken down mid-run: approved two days into a five-day run → three days back.
    const running = await buyAndPay(owner, a.id, "discover:design", day(0), "5");
    await reviewPromotion(env, admin.viewer, running, "approve");
    const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86_400;
    await env.DB.prepare("UPDATE promotions SET start_day = ?, reviewed_at = ? WHERE id = ?")
      .bind(dayNumber() - 2, twoDaysAgo, running)
      .run();
    expect(await reviewPromotion(env, admin.viewer, running, "reject", "Broken app link")).toEqual({ refunded: 3000 });
    await expect(reviewPromotion(env, admin.viewer, running, "reject", "again")).rejects.toThrow(/in review or running/);
    for (const [id, refunded] of [
      [early, 4000],
      [running, 3000],
    ] as const) {
      const p = (await promotion(id))!;
      expect(p).toMatchObject({ status: "rejected", refunded_amount: refunded });
      const refunds = await getStripe(env).refunds.list({ payment_intent: p.payment_intent_id });
      expect(refunds.data.reduce((s, r) => s + r.amount, 0)).toBe(refunded);
      // The refund's webhooks (charge.refunded, refund.created) are applied without touching any order.
      await deliver(p.payment_intent_id);
    }
    const dash = await (await app("/dashboard/promotions", { cookie: await owner.cookie() })).text();
    expect(dash).toContain("Broken app link");
    // A rejected promotion's days are free again.
    await startPromotionCheckout(env, owner.viewer, { appId: a.id, placement: "discover:design", start: day(10), days: "4" }, ORIGIN);
  });
});

describe("organic ranking ignores promotions", () => {
  it("trending, new and search order are identical with and without a running promotion", async () => {
    const owner = await makeCreator(env);
    const apps = [];
    for (let i = 0; i < 4; i++) apps.push(await makeApp(env, owner, { category: "coding", name: `Ranker ${i} zebracode` }));
    // Distinct trending scores so the order is meaningful.
    for (const [i, a] of apps.entries())
      await env.DB.prepare("UPDATE apps SET trending_score=? WHERE id=?")
        .bind(i * 10, a.id)
        .run();
    const pages = ["/discover?category=coding", "/discover?category=coding&sort=new", "/discover?q=zebracode", "/"];
    const before = await Promise.all(pages.map(organic));
    const scores = (await env.DB.prepare("SELECT id, trending_score FROM apps ORDER BY id").all()).results;
    // Promote the lowest-ranked app on the category page and the home page.
    const admin = await makeUser(env, { isAdmin: true });
    for (const placement of ["discover:coding", "home"]) {
      const id = await buyAndPay(owner, apps[0].id, placement, day(0), "2");
      await reviewPromotion(env, admin.viewer, id, "approve");
    }
    expect(await (await app("/discover?category=coding")).text()).toContain('data-testid="promoted-card"');
    expect(await (await app("/")).text()).toContain('data-testid="promoted-card"');
    const after = await Promise.all(pages.map(organic));
    expect(after).toEqual(before);
    expect(before[0].indexOf(apps[3].slug)).toBeLessThan(before[0].indexOf(apps[0].slug));
    expect(before[3].length).toBeGreaterThan(0);
    expect((await env.DB.prepare("SELECT id, trending_score FROM apps ORDER BY id").all()).results).toEqual(scores);
  });
});
