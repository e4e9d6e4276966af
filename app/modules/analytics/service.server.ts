/**
 * Creator analytics (`/dashboard/analytics`): traffic and audience from the daily rollups, money
 * straight from the ledger (orders, subscription invoices, bookings, session packs — so it equals
 * the ledger to the cent), MRR and cohorts from the membership MRR history. Everything is computed
 * for the signed-in creator only: there is no parameter that names another creator.
 */
import * as v from "valibot";
import { AppError, badRequest, forbidden, unprocessable } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import type { Viewer } from "~/modules/identity/auth.server";
import { cohorts, mrrByMonth, monthsBetween, type MrrLogRow } from "./mrr";
import { RangeQuery, TimeZoneForm, type RangeName, type TableName } from "./validation";
import { addDays, dayNumber, isTimeZone, localDay } from "./zone";

export type Column = { key: string; label: string; type: "text" | "int" | "money" | "pct" };
export type Cell = string | number | null;
export type Table = { title: string; columns: Column[]; rows: Cell[][] };
export type Range = { name: RangeName; from: string; to: string; prevFrom: string; prevTo: string; bucket: "day" | "month"; days: number };

const MAX_CUSTOM_DAYS = 731;

/** The creator's analytics time zone: their own setting, else their booking calendar's, else UTC. */
export async function creatorTimeZone(env: Env, creatorId: string): Promise<string> {
  const row = await env.DB.prepare(
    `SELECT COALESCE((SELECT time_zone FROM analytics_settings WHERE creator_id = ?1), (SELECT time_zone FROM service_availability WHERE creator_id = ?1), 'UTC') AS tz`,
  )
    .bind(creatorId)
    .first<{ tz: string }>();
  return row && isTimeZone(row.tz) ? row.tz : "UTC";
}

export async function setAnalyticsTimeZone(env: Env, viewer: Viewer, input: unknown) {
  await requireCreator(env, viewer);
  const parsed = v.safeParse(TimeZoneForm, input);
  if (!parsed.success || !isTimeZone(parsed.output.timeZone))
    throw unprocessable("That isn't a time zone we know. Use a name like Europe/Berlin or America/New_York.", {
      timeZone: "Unknown time zone.",
    });
  await env.DB.prepare(
    "INSERT INTO analytics_settings (creator_id, time_zone, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (creator_id) DO UPDATE SET time_zone = excluded.time_zone, updated_at = excluded.updated_at",
  )
    .bind(viewer.id, parsed.output.timeZone, nowSeconds())
    .run();
  return { ok: true as const };
}

async function requireCreator(env: Env, viewer: Viewer) {
  // The creator and their analytics time zone in one read.
  const c = await env.DB.prepare(
    `SELECT user_id, handle, display_name, COALESCE((SELECT time_zone FROM analytics_settings WHERE creator_id = ?1), (SELECT time_zone FROM service_availability WHERE creator_id = ?1), 'UTC') AS tz FROM creators WHERE user_id = ?1`,
  )
    .bind(viewer.id)
    .first<{ user_id: string; handle: string; display_name: string; tz: string }>();
  if (!c) throw forbidden("Analytics are for creators. Claim your handle first to open a storefront.");
  return c;
}

/** Works out the date range (creator-local days) and the previous period of the same length. */
export function resolveRange(query: unknown, today: string): Range {
  const parsed = v.safeParse(RangeQuery, query);
  if (!parsed.success) throw badRequest(parsed.issues[0].message);
  const { range, from, to } = parsed.output;
  let start: string;
  let end = today;
  if (range === "custom") {
    if (!from || !to) throw badRequest("A custom range needs a start and an end date.");
    if (from > to) throw badRequest("The start date must be on or before the end date.");
    if (dayNumber(to) - dayNumber(from) + 1 > MAX_CUSTOM_DAYS) throw badRequest("A custom range can be at most two years long.");
    start = from;
    end = to;
  } else {
    const days = { "7d": 7, "30d": 30, "90d": 90, "12m": 365 }[range];
    start = addDays(today, -(days - 1));
  }
  const days = dayNumber(end) - dayNumber(start) + 1;
  return {
    name: range,
    from: start,
    to: end,
    prevFrom: addDays(start, -days),
    prevTo: addDays(start, -1),
    bucket: days > 120 ? "month" : "day",
    days,
  };
}

const bucketsOf = (r: Range) =>
  r.bucket === "day" ? Array.from({ length: r.days }, (_, i) => addDays(r.from, i)) : monthsBetween(r.from.slice(0, 7), r.to.slice(0, 7));
const bucketOf = (r: Range, day: string) => (r.bucket === "day" ? day : day.slice(0, 7));

type DailyRow = { b: string; views: number; uniques: number; tries: number; follows: number; unfollows: number };
type MoneyRow = {
  kind: "product" | "tier" | "service";
  item_id: string;
  currency: string;
  gross: number;
  fee: number;
  net: number;
  at: number;
  refunded: number;
  refunded_at: number | null;
};

const LIVE = "('active', 'trialing', 'past_due')";

/**
 * Every statement of the analytics page in ONE D1 batch: the creator (and zone), the rollups
 * (already summed per bucket in SQL: per day, or per month for long ranges, plus one "prev" row),
 * top pages, sources, the ledger rows, checkouts, MRR history, followers, conversions, tiers, apps
 * and the names of the products, posts and services the page may mention.
 */
function analyticsBatch(env: Env, id: string, range: Range) {
  // Ledger instants are seconds; fetch a day either side and keep what falls on the range's local days.
  const lo = (dayNumber(range.prevFrom) - 1) * 86_400;
  const hi = (dayNumber(range.to) + 2) * 86_400;
  const db = env.DB;
  const bucket = range.bucket === "day" ? "day" : "substr(day, 1, 7)";
  return db.batch([
    db
      .prepare(
        `SELECT user_id, handle, display_name, COALESCE((SELECT time_zone FROM analytics_settings WHERE creator_id = ?1), (SELECT time_zone FROM service_availability WHERE creator_id = ?1), 'UTC') AS tz FROM creators WHERE user_id = ?1`,
      )
      .bind(id),
    db
      .prepare(
        `SELECT CASE WHEN day < ?2 THEN 'prev' ELSE ${bucket} END AS b, SUM(views) AS views, SUM(uniques) AS uniques, SUM(tries) AS tries,
           SUM(follows) AS follows, SUM(unfollows) AS unfollows
         FROM analytics_daily WHERE creator_id = ?1 AND item_kind = 'creator' AND item_id = '' AND day BETWEEN ?3 AND ?4 GROUP BY b`,
      )
      .bind(id, range.from, range.prevFrom, range.to),
    db
      .prepare(
        `SELECT item_kind, item_id, SUM(views) AS views, SUM(uniques) AS uniques, SUM(tries) AS tries FROM analytics_daily
         WHERE creator_id = ?1 AND item_kind NOT IN ('creator', 'promotion') AND day BETWEEN ?2 AND ?3 GROUP BY item_kind, item_id ORDER BY views DESC, item_kind, item_id LIMIT 200`,
      )
      .bind(id, range.from, range.to),
    db
      .prepare(
        "SELECT dim, value, SUM(views) AS views FROM analytics_sources WHERE creator_id = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY dim, value ORDER BY views DESC, value",
      )
      .bind(id, range.from, range.to),
    db
      .prepare(
        // The earnings ledger view (orders, invoices, paid bookings, session packs): the same rows as the dashboard's earnings.
        `SELECT CASE kind WHEN 'membership' THEN 'tier' WHEN 'product' THEN 'product' ELSE 'service' END AS kind, item_id, currency, gross, fee, net, at,
             amount_refunded AS refunded, refunded_at
           FROM ledger_entries WHERE creator_id = ?1 AND (at BETWEEN ?2 AND ?3 OR refunded_at BETWEEN ?2 AND ?3)`,
      )
      .bind(id, lo, hi),
    db
      .prepare(
        `SELECT created_at AS at, status FROM checkouts WHERE creator_id = ?1 AND created_at BETWEEN ?2 AND ?3
         UNION ALL SELECT created_at, status FROM guest_checkouts WHERE creator_id = ?1 AND created_at BETWEEN ?2 AND ?3`,
      )
      .bind(id, lo, hi),
    db.prepare("SELECT membership_id, at, mrr, currency FROM membership_mrr_log WHERE creator_id = ?1 ORDER BY seq").bind(id),
    db.prepare("SELECT COALESCE((SELECT follower_count FROM creator_stats WHERE creator_id = ?1), 0) AS n").bind(id),
    db
      .prepare(
        `SELECT
           (SELECT COUNT(*) FROM follows f WHERE f.creator_id = ?1 AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = f.follower_id AND m.creator_id = ?1 AND m.status IN ${LIVE})) AS members,
           (SELECT COUNT(*) FROM follows f WHERE f.creator_id = ?1 AND (
              EXISTS (SELECT 1 FROM orders o WHERE o.buyer_id = f.follower_id AND o.creator_id = ?1 AND o.gross > 0)
              OR EXISTS (SELECT 1 FROM invoices i WHERE i.user_id = f.follower_id AND i.creator_id = ?1)
              OR EXISTS (SELECT 1 FROM bookings b WHERE b.buyer_id = f.follower_id AND b.creator_id = ?1 AND b.payment_intent_id IS NOT NULL))) AS buyers`,
      )
      .bind(id),
    db
      .prepare(
        `SELECT t.id, t.name, (SELECT COUNT(*) FROM memberships m WHERE m.tier_id = t.id AND m.status IN ${LIVE}) AS members FROM tiers t WHERE t.creator_id = ?1 ORDER BY members DESC, t.name`,
      )
      .bind(id),
    db.prepare("SELECT id, name, slug FROM apps WHERE creator_id = ?1 ORDER BY name").bind(id),
    // Names of what the page may mention (apps and tiers come with their own rows above); posts
    // only when viewed in the range, so a prolific writer's back catalogue isn't read.
    db
      .prepare(
        `SELECT 'product' AS kind, id, title AS name FROM products WHERE creator_id = ?1
         UNION ALL SELECT 'service', id, title FROM services WHERE creator_id = ?1
         UNION ALL SELECT 'post', id, title FROM posts WHERE creator_id = ?1 AND id IN
           (SELECT item_id FROM analytics_daily WHERE creator_id = ?1 AND item_kind = 'post' AND day BETWEEN ?2 AND ?3)`,
      )
      .bind(id, range.from, range.to),
  ]);
}

/**
 * The creator's time zone as last seen by this isolate: a guess that lets the page's first D1 batch
 * name its days before the creator row (read in that same batch) says the zone. A wrong guess only
 * matters when it names another "today"; then the batch runs again with the right zone.
 */
const zoneGuess = new Map<string, string>();

/** Everything the analytics page shows, for the signed-in creator: one D1 batch (decision 0123). */
export async function getCreatorAnalytics(env: Env, viewer: Viewer, query: unknown, nowMs = Date.now()) {
  const guess = zoneGuess.get(viewer.id) ?? "UTC";
  let range = resolveRange(query, localDay(nowMs, guess));
  let results = await analyticsBatch(env, viewer.id, range);
  const creator = results[0].results[0] as { user_id: string; handle: string; display_name: string; tz: string } | undefined;
  if (!creator) throw forbidden("Analytics are for creators. Claim your handle first to open a storefront.");
  const tz = isTimeZone(creator.tz) ? creator.tz : "UTC";
  if (zoneGuess.size > 10_000) zoneGuess.clear();
  zoneGuess.set(viewer.id, tz);
  if (localDay(nowMs, tz) !== localDay(nowMs, guess)) {
    range = resolveRange(query, localDay(nowMs, tz));
    results = await analyticsBatch(env, viewer.id, range);
  }
  const [, daily, pages, sources, moneyRows, checkoutRows, mrrRows, followers, conversions, tiers, apps, nameRows] = results;

  const inRange = (day: string) => day >= range.from && day <= range.to;
  const inPrev = (day: string) => day >= range.prevFrom && day <= range.prevTo;
  const buckets = bucketsOf(range);

  // ---- traffic + audience (rollups) ----
  const traffic = new Map(buckets.map((b) => [b, { views: 0, uniques: 0, tries: 0, follows: 0, unfollows: 0, started: 0, completed: 0 }]));
  const cur = { views: 0, uniques: 0, tries: 0, follows: 0, unfollows: 0, started: 0, completed: 0, gross: 0, net: 0 };
  const prev = { ...cur };
  // Rollups come summed per bucket, plus one "prev" row for the previous period.
  for (const r of daily.results as DailyRow[]) {
    const into = r.b === "prev" ? prev : cur;
    for (const k of ["views", "uniques", "tries", "follows", "unfollows"] as const) into[k] += r[k];
    const t = r.b === "prev" ? undefined : traffic.get(r.b);
    if (t) for (const k of ["views", "uniques", "tries", "follows", "unfollows"] as const) t[k] += r[k];
  }
  for (const r of checkoutRows.results as { at: number; status: string }[]) {
    const day = localDay(r.at * 1000, tz);
    const into = inRange(day) ? cur : inPrev(day) ? prev : null;
    if (!into) continue;
    into.started++;
    if (r.status === "complete") into.completed++;
    if (into === cur) {
      const t = traffic.get(bucketOf(range, day))!;
      t.started++;
      if (r.status === "complete") t.completed++;
    }
  }

  // ---- names of pages ----
  const pageRows = pages.results as { item_kind: string; item_id: string; views: number; uniques: number; tries: number }[];

  // ---- money (ledger) ----
  const money = new Map<string, { gross: number; fee: number; net: number; refunds: number; sales: number }>();
  const offerings = new Map<
    string,
    { kind: string; itemId: string; currency: string; sales: number; gross: number; fee: number; net: number; refunds: number }
  >();
  const currencyTotals = new Map<string, { gross: number; fee: number; net: number; refunds: number; sales: number }>();
  const zero = () => ({ gross: 0, fee: 0, net: 0, refunds: 0, sales: 0 });
  for (const r of moneyRows.results as MoneyRow[]) {
    const saleDay = localDay(r.at * 1000, tz);
    const refundDay = r.refunded > 0 && r.refunded_at ? localDay(r.refunded_at * 1000, tz) : null;
    const okey = `${r.kind}|${r.item_id}|${r.currency}`;
    const o = offerings.get(okey) ?? {
      kind: r.kind,
      itemId: r.item_id,
      currency: r.currency,
      sales: 0,
      gross: 0,
      fee: 0,
      net: 0,
      refunds: 0,
    };
    let touched = false;
    if (inRange(saleDay)) {
      const key = `${bucketOf(range, saleDay)}|${r.currency}`;
      const m = money.get(key) ?? zero();
      const t = currencyTotals.get(r.currency) ?? zero();
      for (const x of [m, t, o]) {
        x.gross += r.gross;
        x.fee += r.fee;
        x.net += r.net;
        x.sales++;
      }
      money.set(key, m);
      currencyTotals.set(r.currency, t);
      touched = true;
    } else if (inPrev(saleDay)) {
      prev.gross += r.gross;
      prev.net += r.net;
    }
    if (refundDay && inRange(refundDay)) {
      const key = `${bucketOf(range, refundDay)}|${r.currency}`;
      const m = money.get(key) ?? zero();
      const t = currencyTotals.get(r.currency) ?? zero();
      m.refunds += r.refunded;
      t.refunds += r.refunded;
      o.refunds += r.refunded;
      money.set(key, m);
      currencyTotals.set(r.currency, t);
      touched = true;
    }
    if (touched) offerings.set(okey, o);
  }
  const mainCurrency = [...currencyTotals.entries()].sort((a, b) => b[1].gross - a[1].gross)[0]?.[0] ?? null;
  if (mainCurrency) {
    cur.gross = currencyTotals.get(mainCurrency)!.gross;
    cur.net = currencyTotals.get(mainCurrency)!.net;
  }
  const names = new Map<string, string>([[`storefront|`, `@${creator.handle} (storefront)`]]);
  for (const r of apps.results as { id: string; name: string }[]) names.set(`app|${r.id}`, r.name);
  for (const r of tiers.results as { id: string; name: string }[]) names.set(`tier|${r.id}`, r.name);
  for (const r of nameRows.results as { kind: string; id: string; name: string }[]) names.set(`${r.kind}|${r.id}`, r.name);

  // ---- MRR + cohorts (history) ----
  const allMrr = (mrrRows.results as { membership_id: string; at: number; mrr: number; currency: string | null }[]).map((r): MrrLogRow => ({
    membershipId: r.membership_id,
    at: r.at,
    mrr: r.mrr,
    currency: r.currency,
  }));
  const mrrCurrency = mainCurrency ?? allMrr.find((r) => r.currency)?.currency ?? "usd";
  const mrrRowsMain = allMrr.filter((r) => (r.currency ?? mrrCurrency) === mrrCurrency);
  const mrrMonths = monthsBetween(range.from.slice(0, 7), range.to.slice(0, 7));
  const mrr = mrrByMonth(mrrRowsMain, tz, mrrMonths);
  const cohortRows = cohorts(mrrRowsMain, tz, range.to.slice(0, 7));

  // ---- tables (what the page shows and what CSV exports: one source) ----
  const pct = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 10 : null);
  const label = (kind: string, itemId: string) => names.get(`${kind}|${itemId}`) ?? "(deleted)";
  const appStats = new Map(pageRows.filter((p) => p.item_kind === "app").map((p) => [p.item_id, p]));
  const followersNow = (followers.results[0] as { n: number }).n;
  const conv = conversions.results[0] as { members: number; buyers: number };
  const tables: Record<TableName, Table> = {
    traffic: {
      title: range.bucket === "day" ? "Traffic by day" : "Traffic by month",
      columns: [
        { key: "period", label: range.bucket === "day" ? "Day" : "Month", type: "text" },
        { key: "views", label: "Views", type: "int" },
        { key: "uniques", label: "Unique visitors", type: "int" },
        { key: "tries", label: "Try-clicks", type: "int" },
        { key: "checkouts_started", label: "Checkouts started", type: "int" },
        { key: "checkouts_completed", label: "Checkouts completed", type: "int" },
      ],
      rows: buckets.map((b) => {
        const t = traffic.get(b)!;
        return [b, t.views, t.uniques, t.tries, t.started, t.completed];
      }),
    },
    pages: {
      title: "Top pages",
      columns: [
        { key: "kind", label: "Kind", type: "text" },
        { key: "page", label: "Page", type: "text" },
        { key: "views", label: "Views", type: "int" },
        { key: "uniques", label: "Unique visitors", type: "int" },
      ],
      rows: pageRows.slice(0, 20).map((p) => [p.item_kind, label(p.item_kind, p.item_id), p.views, p.uniques]),
    },
    apps: {
      title: "Apps: views → try-clicks",
      columns: [
        { key: "app", label: "App", type: "text" },
        { key: "views", label: "Views", type: "int" },
        { key: "tries", label: "Try-clicks", type: "int" },
        { key: "try_rate", label: "Try rate", type: "pct" },
      ],
      rows: (apps.results as { id: string; name: string }[]).map((a) => {
        const s = appStats.get(a.id);
        return [a.name, s?.views ?? 0, s?.tries ?? 0, pct(s?.tries ?? 0, s?.views ?? 0)];
      }),
    },
    sources: {
      title: "Referrers and campaigns",
      columns: [
        { key: "source", label: "Source", type: "text" },
        { key: "value", label: "Value", type: "text" },
        { key: "views", label: "Views", type: "int" },
      ],
      rows: topPerDim(sources.results as { dim: string; value: string; views: number }[], 10).map((s) => [
        SOURCE_LABELS[s.dim] ?? s.dim,
        s.value,
        s.views,
      ]),
    },
    audience: {
      title: range.bucket === "day" ? "Followers by day" : "Followers by month",
      columns: [
        { key: "period", label: range.bucket === "day" ? "Day" : "Month", type: "text" },
        { key: "gained", label: "Gained", type: "int" },
        { key: "lost", label: "Lost", type: "int" },
        { key: "net", label: "Net", type: "int" },
      ],
      rows: buckets.map((b) => {
        const t = traffic.get(b)!;
        return [b, t.follows, t.unfollows, t.follows - t.unfollows];
      }),
    },
    tiers: {
      title: "Members by tier",
      columns: [
        { key: "tier", label: "Tier", type: "text" },
        { key: "members", label: "Members", type: "int" },
      ],
      rows: (tiers.results as { name: string; members: number }[]).map((t) => [t.name, t.members]),
    },
    money: {
      title: range.bucket === "day" ? "Money by day" : "Money by month",
      columns: [
        { key: "period", label: range.bucket === "day" ? "Day" : "Month", type: "text" },
        { key: "currency", label: "Currency", type: "text" },
        { key: "sales", label: "Sales", type: "int" },
        { key: "gross", label: "Gross", type: "money" },
        { key: "fee", label: "Fee (8%)", type: "money" },
        { key: "net", label: "Net", type: "money" },
        { key: "refunds", label: "Refunds", type: "money" },
      ],
      rows: buckets.flatMap((b) =>
        (mainCurrency ? [mainCurrency, ...[...currencyTotals.keys()].filter((c) => c !== mainCurrency).sort()] : ["usd"]).flatMap((c) => {
          const m = money.get(`${b}|${c}`);
          if (!m && c !== (mainCurrency ?? "usd")) return [];
          const x = m ?? zero();
          return [[b, c, x.sales, x.gross, x.fee, x.net, x.refunds]];
        }),
      ),
    },
    offerings: {
      title: "Money by offering",
      columns: [
        { key: "kind", label: "Kind", type: "text" },
        { key: "offering", label: "Offering", type: "text" },
        { key: "currency", label: "Currency", type: "text" },
        { key: "sales", label: "Sales", type: "int" },
        { key: "gross", label: "Gross", type: "money" },
        { key: "fee", label: "Fee (8%)", type: "money" },
        { key: "net", label: "Net", type: "money" },
        { key: "refunds", label: "Refunds", type: "money" },
      ],
      rows: [...offerings.values()]
        .sort((a, b) => b.gross - a.gross || a.kind.localeCompare(b.kind))
        .map((o) => [o.kind, label(o.kind, o.itemId), o.currency, o.sales, o.gross, o.fee, o.net, o.refunds]),
    },
    mrr: {
      title: "Monthly recurring revenue",
      columns: [
        { key: "month", label: "Month", type: "text" },
        { key: "currency", label: "Currency", type: "text" },
        { key: "start", label: "MRR at start", type: "money" },
        { key: "new", label: "New", type: "money" },
        { key: "expansion", label: "Expansion", type: "money" },
        { key: "contraction", label: "Contraction", type: "money" },
        { key: "churned", label: "Churned", type: "money" },
        { key: "end", label: "MRR at end", type: "money" },
        { key: "paying", label: "Paying members", type: "int" },
        { key: "churn_rate", label: "Churn rate", type: "pct" },
        { key: "arpu", label: "ARPU", type: "money" },
      ],
      rows: mrr.map((m) => [
        m.month,
        mrrCurrency,
        m.startMrr,
        m.newMrr,
        m.expansionMrr,
        m.contractionMrr,
        m.churnedMrr,
        m.endMrr,
        m.payingEnd,
        m.churnRate === null ? null : Math.round(m.churnRate * 1000) / 10,
        m.arpu,
      ]),
    },
    cohorts: {
      title: "Member cohorts (still paying at each month's end)",
      columns: [
        { key: "cohort", label: "Joined", type: "text" },
        { key: "size", label: "Members", type: "int" },
        ...Array.from({ length: 12 }, (_, k) => ({ key: `m${k}`, label: `Month ${k}`, type: "pct" as const })),
      ],
      rows: cohortRows.map((c) => [
        c.month,
        c.size,
        ...Array.from({ length: 12 }, (_, k) => (k < c.retained.length ? pct(c.retained[k], c.size) : null)),
      ]),
    },
  };

  return {
    creator: { handle: creator.handle, displayName: creator.display_name },
    timeZone: tz,
    range,
    mainCurrency: mainCurrency ?? mrrCurrency,
    summary: {
      current: cur,
      previous: prev,
      followers: followersNow,
      followerToMember: pct(conv.members, followersNow),
      followerToBuyer: pct(conv.buyers, followersNow),
      mrr: mrr.length ? mrr[mrr.length - 1].endMrr : 0,
      totals: Object.fromEntries(currencyTotals),
    },
    tables,
  };
}

export type CreatorAnalytics = Awaited<ReturnType<typeof getCreatorAnalytics>>;

const SOURCE_LABELS: Record<string, string> = {
  ref: "Referrer",
  utm_source: "UTM source",
  utm_medium: "UTM medium",
  utm_campaign: "UTM campaign",
};

function topPerDim<T extends { dim: string }>(rows: T[], n: number): T[] {
  const seen = new Map<string, number>();
  return rows.filter((r) => {
    const k = (seen.get(r.dim) ?? 0) + 1;
    seen.set(r.dim, k);
    return k <= n;
  });
}

/** Rethrows as a 400 what isn't already an expected error (used by the CSV route for a bad table name). */
export function tableOrThrow(data: CreatorAnalytics, name: string): Table {
  if (!(name in data.tables)) throw new AppError(404, "There is no such table to export.");
  return data.tables[name as TableName];
}
