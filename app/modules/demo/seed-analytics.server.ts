/**
 * Demo analytics: 120 days of true-looking history for the demo creators, so the analytics pages
 * show something. Rollups are written as rollups (that is all the page reads); sales and members go
 * into the real ledger tables (orders, memberships → MRR history by trigger, invoices) with past
 * dates, bought by a pool of demo buyers who cannot sign in. Deterministic (seeded PRNG).
 *
 * Followers gained are real: demo fans (who cannot sign in either) follow through the creator's
 * CreatorGraph Durable Object with the follow's own past instant, so the edges, the follower count
 * and the analytics follow events (which the queue adds to that day's rollup) all agree. Fans who
 * followed and later left leave no edge; their follow and unfollow are written into the rollups as
 * a pair, so "gained − lost" over the whole history equals the follower count shown on the same page.
 */
import { split } from "~/lib/money";
import { newId } from "~/lib/ids";
import { creatorGraph } from "~/modules/follows/service.server";

const DEMO_DAYS = 120;
/**
 * Demo fans shared by the demo creators (each follows a creator at most once). Kept small: each
 * follow is one analytics queue message, and a big backlog would slow the app right after seeding.
 */
const FAN_POOL = 40;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function seedAnalytics(
  env: Env,
  creators: { id: string; handle: string }[],
  nowMs = Date.now(),
  DAYS = DEMO_DAYS,
  /** false: no follow history (the benchmark's creator, whose page speed doesn't depend on it). */
  follows = true,
): Promise<void> {
  const db = env.DB;
  const startMs = nowMs - DAYS * 86_400_000;
  // A pool of buyers (no password anyone knows: the hash is not a valid scrypt string).
  const buyers = Array.from({ length: 40 }, (_, i) => ({
    id: `demo-buyer-${i}-${newId(6)}`,
    email: `buyer${i}@demo-buyers.allthrive.app`,
  }));
  await db.batch(
    buyers.map((b) =>
      db
        .prepare(
          "INSERT OR IGNORE INTO users (id, email, password_hash, email_verified_at, created_at) VALUES (?1, ?2, 'demo-buyer-cannot-sign-in', ?3, ?3)",
        )
        .bind(b.id, b.email, Math.floor(startMs / 1000)),
    ),
  );
  const fans = follows
    ? Array.from({ length: FAN_POOL }, (_, i) => ({ id: `demo-fan-${i}-${newId(6)}`, email: `fan${i}@demo-fans.allthrive.app` }))
    : [];
  for (let i = 0; i < fans.length; i += 100)
    await db.batch(
      fans
        .slice(i, i + 100)
        .map((f) =>
          db
            .prepare(
              "INSERT OR IGNORE INTO users (id, email, password_hash, email_verified_at, created_at) VALUES (?1, ?2, 'demo-fan-cannot-sign-in', ?3, ?3)",
            )
            .bind(f.id, f.email, Math.floor(startMs / 1000)),
        ),
    );
  for (const [ci, c] of creators.entries()) {
    const rand = prng(1000 + ci * 7919);
    /** Real follows to make after the rollups are written: [instant (s), how many]. */
    const kept: [number, number][] = [];
    /** Followed-then-left pairs, by day index: follows and unfollows written straight into the rollups. */
    const pairFollows = new Array<number>(DAYS).fill(0);
    const pairLeaves = new Array<number>(DAYS).fill(0);
    let fansLeft = fans.length;
    const base = 40 + ci * 25;
    const [apps, products, tiers] = await db.batch([
      db.prepare("SELECT id FROM apps WHERE creator_id = ?1").bind(c.id),
      db
        .prepare(
          "SELECT id, price_amount AS price, currency FROM products WHERE creator_id = ?1 AND status = 'published' AND price_amount > 0",
        )
        .bind(c.id),
      db
        .prepare(
          "SELECT id, monthly_amount AS monthly, annual_amount AS annual, currency FROM tiers WHERE creator_id = ?1 AND monthly_amount > 0",
        )
        .bind(c.id),
    ]);
    const appIds = (apps.results as { id: string }[]).map((a) => a.id);
    // Product and post pages get their share of the views too (the owner's per-item panel reads them).
    const pageItems = [
      ...(products.results as { id: string }[]).map((p) => ["product", p.id] as const),
      ...(
        await db.prepare("SELECT id FROM posts WHERE creator_id = ?1 AND status = 'published'").bind(c.id).all<{ id: string }>()
      ).results.map((p) => ["post", p.id] as const),
    ];
    const stmts: D1PreparedStatement[] = [];
    for (let d = 0; d < DAYS; d++) {
      const ms = startMs + d * 86_400_000;
      const day = dayKey(ms);
      const weekday = new Date(ms).getUTCDay();
      const growth = 1 + d / DAYS; // traffic doubles over the period
      const season = weekday === 0 || weekday === 6 ? 0.7 : 1.1;
      const spike = d % 37 === 11 ? 2.5 : 1; // a launch or a newsletter mention now and then
      const views = Math.round(base * growth * season * spike * (0.8 + rand() * 0.4));
      const uniques = Math.round(views * (0.55 + rand() * 0.15));
      const tries = appIds.length ? Math.round(views * 0.12 * (0.7 + rand() * 0.6)) : 0;
      const stay = Math.min(fansLeft, rand() < (FAN_POOL / DAYS) * growth * 0.7 * spike ? 1 + Math.floor(rand() * 1.3) : 0);
      if (stay > 0) {
        kept.push([Math.floor(ms / 1000) + Math.floor(rand() * 80_000), stay]);
        fansLeft -= stay;
      }
      if (follows && rand() < 0.5) {
        const leaveDay = d + 1 + Math.floor(rand() * 20);
        if (leaveDay < DAYS) {
          pairFollows[d]++;
          pairLeaves[leaveDay]++;
        }
      }
      stmts.push(
        db
          .prepare(
            "INSERT OR REPLACE INTO analytics_daily (creator_id, day, item_kind, item_id, views, uniques, tries, follows, unfollows) VALUES (?1, ?2, 'creator', '', ?3, ?4, ?5, ?6, ?7)",
          )
          .bind(c.id, day, views, uniques, tries, pairFollows[d], pairLeaves[d]),
        db
          .prepare(
            "INSERT OR REPLACE INTO analytics_daily (creator_id, day, item_kind, item_id, views, uniques) VALUES (?1, ?2, 'storefront', '', ?3, ?4)",
          )
          .bind(c.id, day, Math.round(views * 0.4), Math.round(uniques * 0.45)),
      );
      appIds.forEach((appId, i) => {
        const share = (0.6 / appIds.length) * (i === 0 ? 1.4 : 0.8);
        stmts.push(
          db
            .prepare(
              "INSERT OR REPLACE INTO analytics_daily (creator_id, day, item_kind, item_id, views, uniques, tries) VALUES (?1, ?2, 'app', ?3, ?4, ?5, ?6)",
            )
            .bind(
              c.id,
              day,
              appId,
              Math.round(views * share),
              Math.round(uniques * share),
              Math.round(tries * share * (i === 0 ? 1.3 : 0.7)),
            ),
        );
      });
      for (const [kind, itemId] of pageItems)
        stmts.push(
          db
            .prepare(
              "INSERT OR REPLACE INTO analytics_daily (creator_id, day, item_kind, item_id, views, uniques) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(c.id, day, kind, itemId, Math.round(views * 0.08 * (0.6 + rand() * 0.8)), Math.round(uniques * 0.08)),
        );
      for (const [dim, value, share] of [
        ["ref", "news.ycombinator.com", 0.12],
        ["ref", "x.com", 0.1],
        ["ref", "www.google.com", 0.08],
        ["ref", "www.linkedin.com", 0.05],
        ["utm_source", "newsletter", 0.09],
        ["utm_medium", "email", 0.09],
        ["utm_campaign", d < 60 ? "winter-launch" : "spring-course", 0.07],
      ] as const)
        stmts.push(
          db
            .prepare("INSERT OR REPLACE INTO analytics_sources (creator_id, day, dim, value, views) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(c.id, day, dim, value, Math.max(0, Math.round(views * share * (0.6 + rand() * 0.8)))),
        );
      // Sales of the creator's products: a couple a day, growing with traffic; a few refunded.
      for (const p of products.results as { id: string; price: number; currency: string }[]) {
        const sales = Math.floor(rand() * 2.2 * growth);
        for (let k = 0; k < sales; k++) {
          const at = Math.floor(ms / 1000) + Math.floor(rand() * 86_000);
          const { fee, net } = split(p.price);
          const refunded = rand() < 0.04;
          const id = `demo-order-${newId(12)}`;
          stmts.push(
            db
              .prepare(
                `INSERT INTO orders (id, checkout_session_id, buyer_id, creator_id, product_id, currency, gross, fee, net, status, amount_refunded, refunded_at, created_at)
                 VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
              )
              .bind(
                id,
                buyers[Math.floor(rand() * buyers.length)].id,
                c.id,
                p.id,
                p.currency,
                p.price,
                fee,
                net,
                refunded ? "refunded" : "paid",
                refunded ? p.price : 0,
                refunded ? at + 86_400 : null,
                at,
              ),
          );
        }
      }
    }
    for (let i = 0; i < stmts.length; i += 200) await db.batch(stmts.slice(i, i + 200));
    // The followers who stayed, each on their own past instant, through the real follow graph (one call).
    let next = 0;
    const stayed = kept.flatMap(([at, n]) => fans.slice(next, (next += n)).map((f) => ({ id: f.id, at })));
    if (stayed.length) await creatorGraph(env, c.id).followManyAt(c.id, stayed);
    await seedMembers(
      env,
      c.id,
      tiers.results as { id: string; monthly: number; annual: number | null; currency: string }[],
      buyers,
      startMs,
      nowMs,
      rand,
      DAYS,
    );
  }
  if (follows)
    await followsSettled(
      env,
      creators.map((c) => c.id),
    );
}

/**
 * Waits (bounded) until the follow graph's analytics events have reached the rollups: gained − lost
 * over all days equals each creator's follower count. The seed answers only then, so the queue's
 * backlog is worked off before anyone uses the demo (and the page agrees from its first view).
 */
async function followsSettled(env: Env, creatorIds: string[], timeoutMs = 90_000): Promise<boolean> {
  const sql = `SELECT (SELECT COALESCE(SUM(follows - unfollows), 0) FROM analytics_daily WHERE creator_id = ?1 AND item_kind = 'creator' AND item_id = '')
    = (SELECT COALESCE((SELECT follower_count FROM creator_stats WHERE creator_id = ?1), 0)) AS ok`;
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const res = await env.DB.batch(creatorIds.map((id) => env.DB.prepare(sql).bind(id)));
    if (res.every((r) => (r.results[0] as { ok: number }).ok === 1)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.warn("demo seed: follow events still on their way to the analytics rollups");
  return false;
}

/** Members joining over the period, some upgrading, downgrading or leaving; invoices every month they paid. */
async function seedMembers(
  env: Env,
  creatorId: string,
  tiers: { id: string; monthly: number; annual: number | null; currency: string }[],
  buyers: { id: string }[],
  startMs: number,
  nowMs: number,
  rand: () => number,
  DAYS: number,
) {
  if (!tiers.length) return;
  const db = env.DB;
  const now = Math.floor(nowMs / 1000);
  for (let i = 0; i < 24; i++) {
    const tier = tiers[Math.floor(rand() * tiers.length)];
    const annual = !!tier.annual && rand() < 0.2;
    const amount = annual ? tier.annual! : tier.monthly;
    const start = Math.floor(startMs / 1000) + Math.floor(rand() * DAYS * 0.9 * 86_400);
    const id = `demo-m-${newId(12)}`;
    const buyer = buyers[(i * 7 + creatorId.length) % buyers.length].id;
    const stmts: D1PreparedStatement[] = [
      db
        .prepare(
          `INSERT INTO memberships (id, stripe_subscription_id, user_id, creator_id, tier_id, status, interval, amount, currency, current_period_start, current_period_end, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?9, ?10, ?9, ?9)`,
        )
        .bind(
          id,
          `sub_demo_${id}`,
          buyer,
          creatorId,
          tier.id,
          annual ? "year" : "month",
          amount,
          tier.currency,
          start,
          start + (annual ? 365 : 30) * 86_400,
        ),
    ];
    // Invoices: each period start until it ends (or now).
    const fate = rand();
    const endAt = fate < 0.25 ? start + Math.floor((1 + rand() * 2) * 30 * 86_400) : null; // a quarter leave after 1–3 months
    for (let t = start, n = 0; t < Math.min(now, endAt ?? now); t += (annual ? 365 : 30) * 86_400, n++) {
      const { fee, net } = split(amount);
      stmts.push(
        db
          .prepare(
            "INSERT INTO invoices (id, stripe_subscription_id, user_id, creator_id, tier_id, currency, gross, fee, net, status, paid_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'paid', ?10)",
          )
          .bind(`in_demo_${id}_${n}`, `sub_demo_${id}`, buyer, creatorId, tier.id, tier.currency, amount, fee, net, t),
      );
    }
    if (endAt && endAt < now)
      stmts.push(db.prepare("UPDATE memberships SET status = 'canceled', updated_at = ?2 WHERE id = ?1").bind(id, endAt));
    else if (!annual && fate > 0.85) {
      // An upgrade a month in: the amount goes up by half.
      const at = start + 30 * 86_400;
      if (at < now)
        stmts.push(db.prepare("UPDATE memberships SET amount = ?2, updated_at = ?3 WHERE id = ?1").bind(id, Math.round(amount * 1.5), at));
    }
    await db.batch(stmts);
  }
}
