/**
 * Platform metrics (`/admin/metrics`, admins only): how All Thrive itself is doing, measured by
 * the same ledger and rollups creators see. Months are UTC calendar months.
 */
import { forbidden } from "~/lib/errors";
import type { Viewer } from "~/modules/identity/auth.server";
import type { Table } from "./service.server";
import { addMonths, monthsBetween } from "./mrr";
import { NPS_BY_QUARTER_SQL, npsTableOf, quarterOf } from "./nps.server";

const PAID_SALES = `
  SELECT currency, gross, fee, created_at AS at, creator_id, buyer_id AS buyer FROM orders WHERE gross > 0
  UNION ALL SELECT currency, gross, fee, paid_at, creator_id, user_id FROM invoices
  UNION ALL SELECT currency, gross, fee, created_at, creator_id, buyer_id FROM bookings WHERE payment_intent_id IS NOT NULL AND gross > 0
  UNION ALL SELECT currency, gross, fee, created_at, creator_id, buyer_id FROM service_packs WHERE payment_intent_id IS NOT NULL AND gross > 0`;

const LIVE = "('active', 'trialing', 'past_due')";

const activeIn = (
  n: number,
) => `EXISTS (SELECT 1 FROM apps a WHERE a.creator_id = c.user_id AND a.published_at > c.created_at + ${(n - 30) * 86_400} AND a.published_at <= c.created_at + ${n * 86_400})
  OR EXISTS (SELECT 1 FROM posts p WHERE p.creator_id = c.user_id AND p.published_at > c.created_at + ${(n - 30) * 86_400} AND p.published_at <= c.created_at + ${n * 86_400})
  OR EXISTS (SELECT 1 FROM orders o WHERE o.creator_id = c.user_id AND o.created_at > c.created_at + ${(n - 30) * 86_400} AND o.created_at <= c.created_at + ${n * 86_400})
  OR EXISTS (SELECT 1 FROM invoices i WHERE i.creator_id = c.user_id AND i.paid_at > c.created_at + ${(n - 30) * 86_400} AND i.paid_at <= c.created_at + ${n * 86_400})`;

export const PLATFORM_TABLES = ["gmv", "retention", "nps"] as const;
export type PlatformTableName = (typeof PLATFORM_TABLES)[number];

export async function getPlatformMetrics(env: Env, viewer: Viewer, nowMs = Date.now()) {
  if (!viewer.isAdmin) throw forbidden("Platform metrics are for All Thrive staff.");
  const now = Math.floor(nowMs / 1000);
  const thisMonth = new Date(nowMs).toISOString().slice(0, 7);
  const firstMonth = addMonths(thisMonth, -11);
  const since = Date.parse(`${firstMonth}-01T00:00:00Z`) / 1000;
  const lastMonth = addMonths(thisMonth, -1);
  const db = env.DB;
  const [gmv, creators, arpc, retention, apps, followers, conversion, discovery, mau, nps] = await db.batch([
    db
      .prepare(
        `SELECT strftime('%Y-%m', at, 'unixepoch') AS month, currency, SUM(gross) AS gross, SUM(fee) AS fee, COUNT(*) AS sales FROM (${PAID_SALES}) WHERE at >= ?1 GROUP BY month, currency ORDER BY month, currency`,
      )
      .bind(since),
    db.prepare("SELECT COUNT(*) AS n FROM creators WHERE hidden_at IS NULL"),
    db
      .prepare(
        `SELECT currency, SUM(gross) AS gross, COUNT(DISTINCT creator_id) AS sellers FROM (${PAID_SALES}) WHERE at >= ?1 GROUP BY currency ORDER BY gross DESC`,
      )
      .bind(since),
    db
      .prepare(
        [30, 60, 90]
          .map(
            (n) =>
              `SELECT ${n} AS days, COUNT(*) AS eligible, COALESCE(SUM(CASE WHEN ${activeIn(n)} THEN 1 ELSE 0 END), 0) AS active FROM creators c WHERE c.created_at <= ?1 - ${n * 86_400}`,
          )
          .join(" UNION ALL "),
      )
      .bind(now),
    db.prepare("SELECT COUNT(*) AS registered, COALESCE(SUM(published), 0) AS published FROM apps"),
    db.prepare(
      "SELECT COUNT(*) AS creators, COALESCE(AVG(COALESCE(s.follower_count, 0)), 0) AS avg FROM creators c LEFT JOIN creator_stats s ON s.creator_id = c.user_id WHERE c.hidden_at IS NULL",
    ),
    db.prepare(
      `SELECT COUNT(*) AS edges,
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = f.follower_id AND m.creator_id = f.creator_id AND m.status IN ${LIVE}) THEN 1 ELSE 0 END), 0) AS members,
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.buyer_id = f.follower_id AND o.creator_id = f.creator_id AND o.gross > 0)
           OR EXISTS (SELECT 1 FROM invoices i WHERE i.user_id = f.follower_id AND i.creator_id = f.creator_id) THEN 1 ELSE 0 END), 0) AS buyers
       FROM follows f`,
    ),
    db
      .prepare(
        "SELECT COALESCE(SUM(views), 0) AS views, COALESCE(SUM(uniques), 0) AS uniques, COALESCE(SUM(tries), 0) AS tries FROM analytics_daily WHERE item_kind = 'app' AND day >= ?1",
      )
      .bind(new Date(nowMs - 29 * 86_400_000).toISOString().slice(0, 10)),
    db
      .prepare(
        "SELECT month, COUNT(*) AS mau, COALESCE(SUM(CASE WHEN days & (days - 1) <> 0 THEN 1 ELSE 0 END), 0) AS return_users FROM analytics_user_months WHERE month IN (?1, ?2) GROUP BY month",
      )
      .bind(thisMonth, lastMonth),
    db.prepare(NPS_BY_QUARTER_SQL),
  ]);
  const pct = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : null);
  const gmvRows = gmv.results as { month: string; currency: string; gross: number; fee: number; sales: number }[];
  const currencies = [...new Set(gmvRows.map((r) => r.currency))].sort((a, b) => (a === "usd" ? -1 : b === "usd" ? 1 : a.localeCompare(b)));
  const byMonth = new Map(gmvRows.map((r) => [`${r.month}|${r.currency}`, r]));
  const gmvTable: Table = {
    title: "GMV and platform revenue by month (UTC)",
    columns: [
      { key: "month", label: "Month", type: "text" },
      { key: "currency", label: "Currency", type: "text" },
      { key: "sales", label: "Sales", type: "int" },
      { key: "gmv", label: "GMV", type: "money" },
      { key: "revenue", label: "Platform revenue (8%)", type: "money" },
    ],
    rows: monthsBetween(firstMonth, thisMonth).flatMap((m) =>
      (currencies.length ? currencies : ["usd"]).map((c) => {
        const r = byMonth.get(`${m}|${c}`);
        return [m, c, r?.sales ?? 0, r?.gross ?? 0, r?.fee ?? 0];
      }),
    ),
  };
  const arpcRows = arpc.results as { currency: string; gross: number; sellers: number }[];
  const retentionTable: Table = {
    title: "Creator retention (active = published, posted or sold in the 30 days before day N)",
    columns: [
      { key: "days", label: "After", type: "text" },
      { key: "eligible", label: "Creators old enough", type: "int" },
      { key: "active", label: "Active", type: "int" },
      { key: "rate", label: "Retention", type: "pct" },
    ],
    rows: (retention.results as { days: number; eligible: number; active: number }[]).map((r) => [
      `${r.days} days`,
      r.eligible,
      r.active,
      pct(r.active, r.eligible),
    ]),
  };
  const f = followers.results[0] as { creators: number; avg: number };
  const conv = conversion.results[0] as { edges: number; members: number; buyers: number };
  const disc = discovery.results[0] as { views: number; uniques: number; tries: number };
  const a = apps.results[0] as { registered: number; published: number };
  const mauRows = new Map((mau.results as { month: string; mau: number; return_users: number }[]).map((r) => [r.month, r]));
  const m = mauRows.get(thisMonth) ?? { mau: 0, return_users: 0 };
  const pm = mauRows.get(lastMonth) ?? { mau: 0, return_users: 0 };
  const npsTable = npsTableOf(nps.results as Parameters<typeof npsTableOf>[0]);
  const thisQuarter = quarterOf(nowMs);
  const npsNow = npsTable.rows.find((r) => r[0] === thisQuarter);
  return {
    tables: { gmv: gmvTable, retention: retentionTable, nps: npsTable } satisfies Record<PlatformTableName, Table>,
    nps: { quarter: thisQuarter, score: (npsNow?.[1] ?? null) as number | null, answers: Number(npsNow?.[2] ?? 0) },
    creators: (creators.results[0] as { n: number }).n,
    arpc: arpcRows.map((r) => ({ currency: r.currency, sellers: r.sellers, arpc: r.sellers ? Math.round(r.gross / r.sellers) : 0 })),
    apps: a,
    avgFollowers: Math.round(f.avg * 10) / 10,
    followerToMember: pct(conv.members, conv.edges),
    followerToBuyer: pct(conv.buyers, conv.edges),
    discovery: { ...disc, tryRate: pct(disc.tries, disc.views) },
    mau: {
      month: thisMonth,
      users: m.mau,
      returnRate: pct(m.return_users, m.mau),
      previous: { month: lastMonth, users: pm.mau, returnRate: pct(pm.return_users, pm.mau) },
    },
  };
}
