import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { split } from "~/lib/money";
import { makeApp, makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { getItemStats } from "./items.server";
import { app, postForm } from "~/test/http";
import { recordNps } from "./nps.server";
import { cohorts, mrrByMonth, type MrrLogRow } from "./mrr";
import { getCreatorAnalytics } from "./service.server";

const ts = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const NOW = Date.parse("2026-04-30T12:00:00Z");

/** A paid membership row written the way the webhook sync writes it; the triggers log its MRR. */
async function member(creatorId: string, id: string, o: { amount: number; interval: "month" | "year"; at: string; sub?: boolean }) {
  const u = await makeUser(env);
  await env.DB.prepare(
    `INSERT INTO memberships (id, stripe_subscription_id, user_id, creator_id, tier_id, status, interval, amount, currency, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, 'tier-x', 'active', ?5, ?6, 'usd', ?7, ?7)`,
  )
    .bind(id, o.sub === false ? null : `sub_${id}`, u.id, creatorId, o.interval, o.amount, ts(o.at))
    .run();
  return u;
}
const change = (id: string, set: string, at: string, ...values: unknown[]) =>
  env.DB.prepare(`UPDATE memberships SET ${set}, updated_at = ?1 WHERE id = ?2`)
    .bind(ts(at), id, ...values)
    .run();

async function mrrLog(creatorId: string): Promise<MrrLogRow[]> {
  const { results } = await env.DB.prepare(
    "SELECT membership_id, at, mrr, currency FROM membership_mrr_log WHERE creator_id = ? ORDER BY seq",
  )
    .bind(creatorId)
    .all<{ membership_id: string; at: number; mrr: number; currency: string }>();
  return results.map((r) => ({ membershipId: r.membership_id, at: r.at, mrr: r.mrr, currency: r.currency }));
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ",") {
      row.push(cell);
      cell = "";
    } else if (!quoted && ch === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else if (quoted || ch !== "\r") {
      cell += ch;
    }
  }
  return rows;
}

describe("MRR, churn and cohorts on a hand-built scenario", () => {
  it("matches numbers worked out by hand (new, upgrade, downgrade, annual, cancel at period end, refund)", async () => {
    const c = await makeCreator(env);
    const id = (s: string) => `${c.id}-${s}`;
    await member(c.id, id("a"), { amount: 1000, interval: "month", at: "2026-01-10T00:00:00Z" }); // A: $10/mo
    await member(c.id, id("b"), { amount: 2000, interval: "month", at: "2026-01-05T00:00:00Z" }); // B: $20/mo
    await member(c.id, id("c"), { amount: 9999, interval: "year", at: "2026-01-20T00:00:00Z" }); // C: $99.99/yr → 833/mo
    await member(c.id, id("free"), { amount: 0, interval: "month", at: "2026-01-02T00:00:00Z", sub: false }); // free: no MRR
    await change(id("a"), "amount = ?3", "2026-02-15T00:00:00Z", 2500); // A upgrades to $25
    await member(c.id, id("d"), { amount: 3000, interval: "month", at: "2026-02-03T00:00:00Z" }); // D: $30/mo
    await member(c.id, id("e"), { amount: 800, interval: "month", at: "2026-02-01T00:00:00Z" }); // E: $8/mo
    await change(id("d"), "cancel_at_period_end = ?3", "2026-02-20T00:00:00Z", 1); // D cancels at period end: still paying in Feb
    await change(id("b"), "amount = ?3", "2026-03-01T00:00:00Z", 1500); // B's downgrade takes effect at renewal
    await change(id("d"), "status = ?3", "2026-03-03T00:00:00Z", "canceled"); // D's period ends
    await change(id("e"), "status = ?3", "2026-04-05T00:00:00Z", "canceled"); // E's invoice fully refunded → ended
    await change(id("c"), "note = ?3", "2026-04-06T00:00:00Z", "unrelated edit"); // no MRR change, no log row

    const log = await mrrLog(c.id);
    expect(log.map((r) => [r.membershipId.slice(-1), r.mrr])).toEqual([
      ["a", 1000],
      ["b", 2000],
      ["c", 833],
      ["a", 2500],
      ["d", 3000],
      ["e", 800],
      ["b", 1500],
      ["d", 0],
      ["e", 0],
    ]);
    const months = mrrByMonth(log, "UTC", ["2026-01", "2026-02", "2026-03", "2026-04"]);
    const pick = (m: (typeof months)[number]) => [
      m.startMrr,
      m.newMrr,
      m.expansionMrr,
      m.contractionMrr,
      m.churnedMrr,
      m.endMrr,
      m.payingEnd,
      m.churnRate,
      m.arpu,
    ];
    // Jan: A 1000 + B 2000 + C 833 new. Feb: A +1500, D 3000 and E 800 new. Mar: B −500, D churns 3000. Apr: E churns 800.
    expect(months.map(pick)).toEqual([
      [0, 3833, 0, 0, 0, 3833, 3, null, 1278], // 3833 / 3 = 1277.67
      [3833, 3800, 1500, 0, 0, 9133, 5, 0, 1827], // 9133 / 5 = 1826.6
      [9133, 0, 0, 500, 3000, 5633, 4, 0.2, 1408], // 1 of 5 churned; 5633 / 4 = 1408.25
      [5633, 0, 0, 0, 800, 4833, 3, 0.25, 1611], // 1 of 4 churned; 4833 / 3 = 1611
    ]);
    for (const m of months) expect(m.startMrr + m.newMrr + m.expansionMrr - m.contractionMrr - m.churnedMrr).toBe(m.endMrr);
    expect(cohorts(log, "UTC", "2026-04")).toEqual([
      { month: "2026-01", size: 3, retained: [3, 3, 3, 3] },
      { month: "2026-02", size: 2, retained: [2, 1, 0] },
    ]);

    // The page shows the same numbers (12 months ending 30 Apr 2026 covers all four months).
    const page = await getCreatorAnalytics(env, c.viewer, { range: "12m" }, NOW);
    const byMonth = new Map(page.tables.mrr.rows.map((r) => [r[0], r]));
    expect(byMonth.get("2026-03")).toEqual(["2026-03", "usd", 9133, 0, 0, 500, 3000, 5633, 4, 20, 1408]);
    expect(page.summary.mrr).toBe(4833);
    expect(page.tables.cohorts.rows[1].slice(0, 5)).toEqual(["2026-02", 2, 100, 50, 0]);
  });
});

describe("money on the analytics page", () => {
  it("equals the ledger sums to the cent for a seeded month, with refunds on their own day", async () => {
    const c = await makeCreator(env);
    const buyer = await makeUser(env);
    const order = async (n: number, gross: number, at: string, refund?: { amount: number; at: string }) => {
      const { fee, net } = split(gross);
      await env.DB.prepare(
        `INSERT INTO orders (id, checkout_session_id, buyer_id, creator_id, product_id, currency, gross, fee, net, status, amount_refunded, refunded_at, created_at)
         VALUES (?1, ?1, ?2, ?3, 'prod-x', 'usd', ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
      )
        .bind(
          `${c.id}-o${n}`,
          buyer.id,
          c.id,
          gross,
          fee,
          net,
          refund ? "refunded" : "paid",
          refund?.amount ?? 0,
          refund ? ts(refund.at) : null,
          ts(at),
        )
        .run();
    };
    const invoice = async (n: number, gross: number, at: string) => {
      const { fee, net } = split(gross);
      await env.DB.prepare(
        `INSERT INTO invoices (id, stripe_subscription_id, user_id, creator_id, tier_id, currency, gross, fee, net, status, paid_at)
         VALUES (?1, 'sub_x', ?2, ?3, 'tier-x', 'usd', ?4, ?5, ?6, 'paid', ?7)`,
      )
        .bind(`${c.id}-i${n}`, buyer.id, c.id, gross, fee, net, ts(at))
        .run();
    };
    await order(1, 1999, "2026-03-01T00:00:00Z");
    await order(2, 4999, "2026-03-15T12:34:56Z", { amount: 4999, at: "2026-03-16T08:00:00Z" });
    await order(3, 333, "2026-03-31T23:59:59Z");
    await order(4, 12345, "2026-02-28T23:59:59Z", { amount: 5000, at: "2026-03-02T00:00:00Z" }); // sold in Feb, refunded in Mar
    await order(5, 777, "2026-04-01T00:00:00Z"); // April: outside
    await invoice(1, 1500, "2026-03-05T00:00:00Z");
    await invoice(2, 833, "2026-03-20T00:00:00Z");

    const page = await getCreatorAnalytics(env, c.viewer, { range: "custom", from: "2026-03-01", to: "2026-03-31" }, NOW);
    const ledger = await env.DB.prepare(
      `SELECT SUM(gross) AS gross, SUM(fee) AS fee, SUM(net) AS net, COUNT(*) AS sales FROM (
         SELECT gross, fee, net FROM orders WHERE creator_id = ?1 AND created_at BETWEEN ?2 AND ?3
         UNION ALL SELECT gross, fee, net FROM invoices WHERE creator_id = ?1 AND paid_at BETWEEN ?2 AND ?3)`,
    )
      .bind(c.id, ts("2026-03-01T00:00:00Z"), ts("2026-03-31T23:59:59Z"))
      .first<{ gross: number; fee: number; net: number; sales: number }>();
    const refunds = await env.DB.prepare(
      "SELECT SUM(amount_refunded) AS r FROM orders WHERE creator_id = ?1 AND refunded_at BETWEEN ?2 AND ?3",
    )
      .bind(c.id, ts("2026-03-01T00:00:00Z"), ts("2026-03-31T23:59:59Z"))
      .first<{ r: number }>();
    expect(ledger).toEqual({ gross: 1999 + 4999 + 333 + 1500 + 833, fee: expect.any(Number), net: expect.any(Number), sales: 5 });
    expect(page.summary.totals.usd).toEqual({ gross: ledger!.gross, fee: ledger!.fee, net: ledger!.net, refunds: refunds!.r, sales: 5 });
    // The daily table adds up to the same, and each sale is on its own day.
    const sum = (key: string) => {
      const i = page.tables.money.columns.findIndex((c) => c.key === key);
      return page.tables.money.rows.reduce((n, r) => n + Number(r[i]), 0);
    };
    expect([sum("gross"), sum("fee"), sum("net"), sum("refunds")]).toEqual([ledger!.gross, ledger!.fee, ledger!.net, 4999 + 5000]);
    expect(page.tables.money.rows.find((r) => r[0] === "2026-03-31")?.slice(2, 4)).toEqual([1, 333]);
    // By offering: the product line and the tier line.
    expect(page.tables.offerings.rows.map((r) => [r[0], r[3], r[4]]).sort()).toEqual([
      ["product", 3, 1999 + 4999 + 333],
      ["tier", 2, 1500 + 833],
    ]);

    // CSV export of the same table parses and equals the page's rows (money as decimals).
    const res = await app("/dashboard/analytics.csv?table=money&range=custom&from=2026-03-01&to=2026-03-31", { cookie: await c.cookie() });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    const csv = parseCsv(await res.text());
    const live = await getCreatorAnalytics(env, c.viewer, { range: "custom", from: "2026-03-01", to: "2026-03-31" });
    expect(csv[0]).toEqual(live.tables.money.columns.map((c) => c.label));
    expect(csv.slice(1)).toEqual(
      live.tables.money.rows.map((r) =>
        r.map((cell, i) => (live.tables.money.columns[i].type === "money" ? (Number(cell) / 100).toFixed(2) : String(cell))),
      ),
    );
    expect(csv.find((r) => r[0] === "2026-03-15")?.slice(2)).toEqual(["1", "49.99", "4.00", "45.99", "0.00"]);
  });
});

describe("who sees analytics", () => {
  it("a creator sees only their own numbers; others are turned away", async () => {
    const a = await makeCreator(env);
    const b = await makeCreator(env);
    await env.DB.prepare(
      "INSERT INTO analytics_daily (creator_id, day, item_kind, item_id, views, uniques) VALUES (?1, '2026-04-29', 'creator', '', 321, 123)",
    )
      .bind(a.id)
      .run();
    expect((await getCreatorAnalytics(env, a.viewer, { range: "7d" }, NOW)).summary.current.views).toBe(321);
    expect((await getCreatorAnalytics(env, b.viewer, { range: "7d" }, NOW)).summary.current.views).toBe(0);
    // No parameter names a creator: B asking with A's id or handle still gets B's own page.
    const res = await app(`/dashboard/analytics.csv?table=traffic&range=7d&creator=${a.id}&handle=${a.handle}`, {
      cookie: await b.cookie(),
    });
    expect(await res.text()).not.toContain("321");

    const notCreator = await makeUser(env);
    expect((await app("/dashboard/analytics", { cookie: await notCreator.cookie() })).status).toBe(403);
    const anon = await app("/dashboard/analytics.csv?table=money");
    expect(anon.status).toBe(302);
    expect(anon.headers.get("Location")).toContain("/login");
    expect((await app("/dashboard/analytics.csv?table=nope", { cookie: await a.cookie() })).status).toBe(404);
    expect((await app("/dashboard/analytics?range=custom&from=2026-05-01&to=2026-04-01", { cookie: await a.cookie() })).status).toBe(400);
    expect((await app("/dashboard/analytics?range=forever", { cookie: await a.cookie() })).status).toBe(400);
  });
});

describe("per-item stats for the owner", () => {
  it("answer the owner from the item rollups and the ledger, nobody else, and never ride on the public page", async () => {
    const a = await makeCreator(env);
    const b = await makeCreator(env);
    const admin = await makeUser(env, { isAdmin: true });
    const appRow = await makeApp(env, a);
    const post = await makePost(env, a);
    const productId = `${a.id}-p`;
    await env.DB.prepare(
      "INSERT INTO products (id, creator_id, type, title, slug, price_amount, currency, status, created_at, updated_at) VALUES (?1, ?2, 'download', 'Kit', ?3, 900, 'usd', 'published', 0, 0)",
    )
      .bind(productId, a.id, `kit-${a.id.slice(0, 6)}`)
      .run();
    const roll = (kind: string, id: string, day: string, views: number, uniques: number, tries = 0) =>
      env.DB.prepare(
        "INSERT INTO analytics_daily (creator_id, day, item_kind, item_id, views, uniques, tries) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      )
        .bind(a.id, day, kind, id, views, uniques, tries)
        .run();
    await roll("app", appRow.id, "2026-04-30", 40, 20, 5);
    await roll("app", appRow.id, "2026-04-01", 10, 5, 1); // day 30 of 30: inside
    await roll("app", appRow.id, "2026-03-31", 999, 999, 999); // day 31: outside
    await roll("product", productId, "2026-04-20", 30, 16);
    await roll("post", post.id, "2026-04-29", 7, 6);
    const order = (n: number, at: string) =>
      env.DB.prepare(
        `INSERT INTO orders (id, checkout_session_id, buyer_id, creator_id, product_id, currency, gross, fee, net, status, created_at)
         VALUES (?1, ?1, ?2, ?3, ?4, 'usd', 900, 72, 828, 'paid', ?5)`,
      )
        .bind(`${a.id}-io${n}`, b.id, a.id, productId, ts(at))
        .run();
    await order(1, "2026-04-10T10:00:00Z");
    await order(2, "2026-04-29T10:00:00Z");
    await order(3, "2026-03-20T10:00:00Z"); // before the 30 days

    const appStats = await getItemStats(env, a.viewer, { kind: "app", id: appRow.id }, NOW);
    expect(appStats).toMatchObject({ from: "2026-04-01", to: "2026-04-30", views: 50, uniques: 25, actions: 6, conversion: 24 });
    expect(await getItemStats(env, a.viewer, { kind: "product", id: productId }, NOW)).toMatchObject({
      views: 30,
      uniques: 16,
      actionLabel: "Sales",
      actions: 2,
      conversion: 12.5,
    });
    expect(await getItemStats(env, a.viewer, { kind: "post", id: post.id }, NOW)).toMatchObject({ views: 7, actions: null });

    // Another creator, an admin and a made-up id all get the same 404; anonymous goes to sign in.
    const url = `/dashboard/analytics/item.json?kind=app&id=${appRow.id}`;
    const own = await app(url, { cookie: await a.cookie() });
    expect(own.status).toBe(200);
    expect(own.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await own.json()).toMatchObject({ kind: "app", actionLabel: "Try-clicks" });
    expect((await app(url, { cookie: await b.cookie() })).status).toBe(404);
    expect((await app(url, { cookie: await admin.cookie() })).status).toBe(404);
    expect((await app("/dashboard/analytics/item.json?kind=app&id=nope", { cookie: await a.cookie() })).status).toBe(404);
    expect((await app("/dashboard/analytics/item.json?kind=tier&id=x", { cookie: await a.cookie() })).status).toBe(400);
    expect((await app(url)).status).toBe(302);

    // The panel's shell is on the owner's own render only; the anonymous (cached) document has none.
    expect(await (await app(`/apps/${appRow.slug}`)).text()).not.toContain("data-owner-stats");
    expect(await (await app(`/apps/${appRow.slug}`, { cookie: await b.cookie() })).text()).not.toContain("data-owner-stats");
    expect(await (await app(`/apps/${appRow.slug}`, { cookie: await a.cookie() })).text()).toContain("data-owner-stats");
  });
});

describe("platform metrics", () => {
  it("are for admins only, and GMV and platform revenue equal the ledger", async () => {
    const admin = await makeUser(env, { isAdmin: true });
    const c = await makeCreator(env);
    const plain = await makeUser(env);
    expect((await app("/admin/metrics", { cookie: await plain.cookie() })).status).toBe(403);
    expect((await app("/admin/metrics", { cookie: await c.cookie() })).status).toBe(403);
    expect((await app("/admin/metrics")).status).toBe(302);
    const page = await app("/admin/metrics", { cookie: await admin.cookie() });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Platform metrics");

    const { getPlatformMetrics } = await import("./platform.server");
    const now = Date.parse("2026-04-30T12:00:00Z");
    const m = await getPlatformMetrics(env, admin.viewer, now);
    const ledger = await env.DB.prepare(
      `SELECT SUM(gross) AS gross, SUM(fee) AS fee FROM (SELECT gross, fee, created_at AS at FROM orders WHERE currency = 'usd' AND gross > 0
         UNION ALL SELECT gross, fee, paid_at FROM invoices WHERE currency = 'usd') WHERE strftime('%Y-%m', at, 'unixepoch') = '2026-03'`,
    ).first<{ gross: number; fee: number }>();
    const march = m.tables.gmv.rows.find((r) => r[0] === "2026-03" && r[1] === "usd")!;
    expect(ledger!.gross).toBeGreaterThan(0); // the money test above seeded March
    expect([march[3], march[4]]).toEqual([ledger!.gross, ledger!.fee]);
    await expect(getPlatformMetrics(env, c.viewer, now)).rejects.toMatchObject({ status: 403 });

    // CSV export of every table on the page: the same rows, admins only.
    for (const name of ["gmv", "retention", "nps"] as const) {
      const res = await app(`/admin/metrics.csv?table=${name}`, { cookie: await admin.cookie() });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toContain("text/csv");
      const live = await getPlatformMetrics(env, admin.viewer);
      const t = live.tables[name];
      const csv = parseCsv(await res.text());
      expect(csv[0]).toEqual(t.columns.map((col) => col.label));
      expect(csv.slice(1)).toEqual(
        t.rows.map((r) =>
          r.map((cell, i) => (cell === null ? "" : t.columns[i].type === "money" ? (Number(cell) / 100).toFixed(2) : String(cell))),
        ),
      );
    }
    expect((await app("/admin/metrics.csv?table=gmv", { cookie: await c.cookie() })).status).toBe(403);
    expect((await app("/admin/metrics.csv?table=gmv")).status).toBe(302);
    expect((await app("/admin/metrics.csv?table=users", { cookie: await admin.cookie() })).status).toBe(404);
  });
});

describe("creator NPS survey", () => {
  it("is asked once a quarter on the dashboard, and scored per quarter on /admin/metrics", async () => {
    const admin = await makeUser(env, { isAdmin: true });
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const QUESTION = "How likely are you to recommend All Thrive to another creator?";
    expect(await (await app("/dashboard", { cookie })).text()).toContain(QUESTION);
    // Bad input: a clear message, 422, nothing written — the survey is still there.
    const bad = await postForm("/dashboard/nps", { intent: "answer", score: "11" }, { cookie });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Pick a score from 0 to 10.");
    expect(await (await app("/dashboard", { cookie })).text()).toContain(QUESTION);
    const ok = await postForm("/dashboard/nps", { intent: "answer", score: "9", comment: " Payouts just work. " }, { cookie });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("Location")).toBe("/dashboard?survey=thanks");
    expect(await (await app("/dashboard", { cookie })).text()).not.toContain(QUESTION);
    // A second answer (another tab) in the same quarter records nothing more.
    await postForm("/dashboard/nps", { intent: "answer", score: "0" }, { cookie });
    const rows = await env.DB.prepare("SELECT score, comment FROM creator_nps WHERE creator_id = ?1").bind(c.id).all();
    expect(rows.results).toEqual([{ score: 9, comment: "Payouts just work." }]);
    // "Not now" closes it for the quarter too; non-creators can't answer.
    const d = await makeCreator(env);
    expect((await postForm("/dashboard/nps", { intent: "dismiss" }, { cookie: await d.cookie() })).status).toBe(302);
    expect(await (await app("/dashboard", { cookie: await d.cookie() })).text()).not.toContain(QUESTION);
    const fan = await makeUser(env);
    expect((await postForm("/dashboard/nps", { intent: "answer", score: "10" }, { cookie: await fan.cookie() })).status).toBe(403);

    // A quarter of our own: 10, 9, 8, 6, 3 and a dismissal → promoters 2, detractors 2 of 5 answers: NPS 0.
    const at = Date.parse("2031-02-10T00:00:00Z");
    const scores = [10, 9, 8, 6, 3, null];
    for (const score of scores) {
      const x = await makeCreator(env);
      await recordNps(env, x.viewer, score === null ? { intent: "dismiss" } : { intent: "answer", score: String(score) }, at);
    }
    const one = await makeCreator(env);
    await recordNps(env, one.viewer, { intent: "answer", score: "10" }, Date.parse("2031-05-01T00:00:00Z")); // next quarter: NPS 100
    const { getPlatformMetrics } = await import("./platform.server");
    const m = await getPlatformMetrics(env, admin.viewer, Date.parse("2031-06-30T00:00:00Z"));
    expect(m.tables.nps.rows.filter((r) => String(r[0]).startsWith("2031"))).toEqual([
      ["2031-Q2", 100, 1, 1, 0, 0, 0],
      ["2031-Q1", 0, 5, 2, 1, 2, 1],
    ]);
    expect(m.nps).toEqual({ quarter: "2031-Q2", score: 100, answers: 1 });
  });
});
