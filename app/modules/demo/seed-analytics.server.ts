/**
 * Demo analytics: 120 days of true-looking history for the demo creators, so the analytics pages
 * show something. Rollups are written as rollups (that is all the page reads); sales and members go
 * into the real ledger tables (orders, memberships → MRR history by trigger, invoices) with past
 * dates, bought by a pool of demo buyers who cannot sign in. Deterministic (seeded PRNG).
 */
import { split } from "~/lib/money";
import { newId } from "~/lib/ids";

const DEMO_DAYS = 120;

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
  for (const [ci, c] of creators.entries()) {
    const rand = prng(1000 + ci * 7919);
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
      const follows = Math.round((views / 25) * (0.5 + rand()));
      const unfollows = Math.round(follows * 0.2 * rand());
      stmts.push(
        db
          .prepare(
            "INSERT OR REPLACE INTO analytics_daily (creator_id, day, item_kind, item_id, views, uniques, tries, follows, unfollows) VALUES (?1, ?2, 'creator', '', ?3, ?4, ?5, ?6, ?7)",
          )
          .bind(c.id, day, views, uniques, tries, follows, unfollows),
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
