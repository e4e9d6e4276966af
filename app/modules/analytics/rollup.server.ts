/**
 * The analytics queue consumer (decision 0091): applies messages to the daily rollups. Each
 * message's statements are guarded by "this message id was never applied" and end by recording the
 * id, all inside one D1 batch (a transaction), so a duplicate or redelivered message changes nothing
 * and a failed batch changes nothing either. Days are the creator's local days of each event's own
 * instant, so late and out-of-order deliveries land where they belong. Uniques are counted through
 * the per-day visitor log (`INSERT OR IGNORE`, then `+1` only when that insert took: `changes()`).
 */
import * as v from "valibot";
import { nowSeconds } from "~/lib/ids";
import { AnalyticsMessage, isPageEvent, isPromotionEvent, type AnalyticsEvent, type PageKind } from "./events";
import { isTimeZone, localDay } from "./zone";
import type { AnalyticsItemKind } from "./schema";

/** Values kept per dimension per creator per day; the rest are summed into "(other)". */
export const SOURCES_TOP_N = 20;
/** How long message ids and visitor keys are kept (queue retries end within minutes). */
export const DEDUPE_KEEP_DAYS = 3;

type Resolved = { creatorId: string; itemId: string; tz: string };
type Metric = "views" | "tries" | "follows" | "unfollows";
const METRIC_COLUMNS: Record<Metric, string> = {
  views: "views",
  tries: "tries",
  follows: "follows",
  unfollows: "unfollows",
};
const METRICS = Object.keys(METRIC_COLUMNS) as Metric[];

const tzExpr = (col: string) =>
  `COALESCE((SELECT time_zone FROM analytics_settings WHERE creator_id = ${col}), (SELECT time_zone FROM service_availability WHERE creator_id = ${col}), 'UTC')`;

const RESOLVE_SQL: Record<PageKind, string> = {
  storefront: `SELECT c.handle AS ref, c.user_id AS creator_id, '' AS item_id, ${tzExpr("c.user_id")} AS tz FROM creators c WHERE c.handle IN (SELECT value FROM json_each(?1)) AND c.hidden_at IS NULL`,
  app: `SELECT a.slug AS ref, a.creator_id, a.id AS item_id, ${tzExpr("a.creator_id")} AS tz FROM apps a WHERE a.slug IN (SELECT value FROM json_each(?1))`,
  tier: `SELECT t.id AS ref, t.creator_id, t.id AS item_id, ${tzExpr("t.creator_id")} AS tz FROM tiers t WHERE t.id IN (SELECT value FROM json_each(?1))`,
  product: `SELECT c.handle || '/' || x.slug AS ref, x.creator_id, x.id AS item_id, ${tzExpr("x.creator_id")} AS tz FROM products x JOIN creators c ON c.user_id = x.creator_id WHERE c.handle || '/' || x.slug IN (SELECT value FROM json_each(?1))`,
  post: `SELECT c.handle || '/' || x.slug AS ref, x.creator_id, x.id AS item_id, ${tzExpr("x.creator_id")} AS tz FROM posts x JOIN creators c ON c.user_id = x.creator_id WHERE c.handle || '/' || x.slug IN (SELECT value FROM json_each(?1))`,
  service: `SELECT c.handle || '/' || x.slug AS ref, x.creator_id, x.id AS item_id, ${tzExpr("x.creator_id")} AS tz FROM services x JOIN creators c ON c.user_id = x.creator_id WHERE c.handle || '/' || x.slug IN (SELECT value FROM json_each(?1))`,
};
const PROMOTION_SQL = `SELECT p.id AS ref, p.creator_id, p.id AS item_id, ${tzExpr("p.creator_id")} AS tz FROM promotions p WHERE p.id IN (SELECT value FROM json_each(?1))`;
const CREATOR_TZ_SQL = `SELECT c.user_id AS ref, c.user_id AS creator_id, '' AS item_id, ${tzExpr("c.user_id")} AS tz FROM creators c WHERE c.user_id IN (SELECT value FROM json_each(?1))`;

const refOf = (page: { kind: PageKind; handle?: string; key?: string }) =>
  page.kind === "storefront"
    ? (page.handle ?? "")
    : page.kind === "app" || page.kind === "tier"
      ? (page.key ?? "")
      : `${page.handle ?? ""}/${page.key ?? ""}`;

/** Resolves every page reference and creator of the messages in one D1 batch. */
async function resolveAll(env: Env, messages: AnalyticsMessage[]) {
  const wanted = new Map<PageKind | "creator" | "promotion", Set<string>>();
  const want = (k: PageKind | "creator" | "promotion", ref: string) => (wanted.get(k) ?? wanted.set(k, new Set()).get(k)!).add(ref);
  for (const m of messages)
    for (const e of m.events) {
      if (isPageEvent(e)) want(e.page.kind, refOf(e.page));
      else if (isPromotionEvent(e)) want("promotion", e.promotionId);
      else want("creator", e.creatorId);
    }
  const kinds = [...wanted.keys()];
  if (!kinds.length) return new Map<string, Resolved>();
  const results = await env.DB.batch(
    kinds.map((k) =>
      env.DB.prepare(k === "creator" ? CREATOR_TZ_SQL : k === "promotion" ? PROMOTION_SQL : RESOLVE_SQL[k]).bind(
        JSON.stringify([...wanted.get(k)!]),
      ),
    ),
  );
  const out = new Map<string, Resolved>();
  results.forEach((r, i) => {
    for (const row of r.results as { ref: string; creator_id: string; item_id: string; tz: string }[])
      out.set(`${kinds[i]}|${row.ref}`, { creatorId: row.creator_id, itemId: row.item_id, tz: isTimeZone(row.tz) ? row.tz : "UTC" });
  });
  return out;
}

type RowKey = string; // creator|day|kind|item
type Plan = {
  rows: Map<RowKey, Record<Metric, number>>;
  /** (creator, day, scope, visitor) → the row whose `uniques` it counts toward */
  visitors: Map<string, { creatorId: string; day: string; scope: string; visitor: string; row: RowKey }>;
  sources: Map<string, { creatorId: string; day: string; dim: string; value: string; views: number }>;
  userMonths: Map<string, { month: string; userId: string; bits: number }>;
};

function plan(events: AnalyticsEvent[], resolved: Map<string, Resolved>): Plan {
  const p: Plan = { rows: new Map(), visitors: new Map(), sources: new Map(), userMonths: new Map() };
  const bump = (creatorId: string, day: string, kind: AnalyticsItemKind, itemId: string, metric: Metric, n = 1) => {
    const key = `${creatorId}|${day}|${kind}|${itemId}`;
    let row = p.rows.get(key);
    if (!row) p.rows.set(key, (row = { views: 0, tries: 0, follows: 0, unfollows: 0 }));
    row[metric] += n;
    return key;
  };
  for (const e of events) {
    if (isPageEvent(e)) {
      const r = resolved.get(`${e.page.kind}|${refOf(e.page)}`);
      if (!r) continue; // unknown page (typo, deleted, hidden creator): nothing to count
      const day = localDay(e.at, r.tz);
      const metric: Metric = e.type === "view" ? "views" : "tries";
      const n = e.count ?? 1;
      const total = bump(r.creatorId, day, "creator", "", metric, n);
      const item = bump(r.creatorId, day, e.page.kind, r.itemId, metric, n);
      if (e.type === "view" && e.visitor) {
        for (const [scope, row] of [
          ["", total],
          [`${e.page.kind}:${r.itemId}`, item],
        ] as const)
          p.visitors.set(`${r.creatorId}|${day}|${scope}|${e.visitor}`, { creatorId: r.creatorId, day, scope, visitor: e.visitor, row });
        if (e.visitor.startsWith("u:")) {
          const iso = new Date(e.at).toISOString();
          const um = `${iso.slice(0, 7)}|${e.visitor.slice(2)}`;
          const cur = p.userMonths.get(um) ?? { month: iso.slice(0, 7), userId: e.visitor.slice(2), bits: 0 };
          cur.bits |= 1 << (Number(iso.slice(8, 10)) - 1);
          p.userMonths.set(um, cur);
        }
      }
      if (e.type === "view")
        for (const [dim, value] of [
          ["ref", e.referrer],
          ["utm_source", e.utmSource],
          ["utm_medium", e.utmMedium],
          ["utm_campaign", e.utmCampaign],
        ] as const) {
          if (!value) continue;
          const k = `${r.creatorId}|${day}|${dim}|${value}`;
          const cur = p.sources.get(k) ?? { creatorId: r.creatorId, day, dim, value, views: 0 };
          cur.views += n;
          p.sources.set(k, cur);
        }
    } else if (isPromotionEvent(e)) {
      // A promotion's impression or click (D115): its own row only — never the storefront's views,
      // never an app's or product's (organic figures and rankings don't see paid placement).
      const r = resolved.get(`promotion|${e.promotionId}`);
      if (!r) continue;
      bump(r.creatorId, localDay(e.at, r.tz), "promotion", r.itemId, e.type === "promo_click" ? "tries" : "views");
    } else {
      const r = resolved.get(`creator|${e.creatorId}`);
      if (!r) continue;
      const day = localDay(e.at, r.tz);
      bump(r.creatorId, day, "creator", "", e.type === "follow" ? "follows" : "unfollows");
    }
  }
  return p;
}

const NOT_APPLIED = "NOT EXISTS (SELECT 1 FROM analytics_applied WHERE id = ?1)";
const UPSERT_ROW = `INSERT INTO analytics_daily (creator_id, day, item_kind, item_id, ${METRICS.map((m) => METRIC_COLUMNS[m]).join(", ")})
  SELECT ?2, ?3, ?4, ?5, ${METRICS.map((_, i) => `?${i + 6}`).join(", ")} WHERE ${NOT_APPLIED}
  ON CONFLICT (creator_id, day, item_kind, item_id) DO UPDATE SET ${METRICS.map((m) => `${METRIC_COLUMNS[m]} = ${METRIC_COLUMNS[m]} + excluded.${METRIC_COLUMNS[m]}`).join(", ")}`;
const INSERT_VISITOR = `INSERT OR IGNORE INTO analytics_visitors (creator_id, day, scope, visitor, seen_at) SELECT ?2, ?3, ?4, ?5, ?6 WHERE ${NOT_APPLIED}`;
// Runs right after INSERT_VISITOR: changes() is that insert's row count (1 only for a new visitor).
const COUNT_UNIQUE = `UPDATE analytics_daily SET uniques = uniques + 1 WHERE creator_id = ?1 AND day = ?2 AND item_kind = ?3 AND item_id = ?4 AND changes() = 1`;
const UPSERT_SOURCE = `INSERT INTO analytics_sources (creator_id, day, dim, value, views) SELECT ?2, ?3, ?4, ?5, ?6 WHERE ${NOT_APPLIED}
  AND (EXISTS (SELECT 1 FROM analytics_sources WHERE creator_id = ?2 AND day = ?3 AND dim = ?4 AND value = ?5)
    OR (SELECT COUNT(*) FROM analytics_sources WHERE creator_id = ?2 AND day = ?3 AND dim = ?4 AND value <> '(other)') < ${SOURCES_TOP_N})
  ON CONFLICT (creator_id, day, dim, value) DO UPDATE SET views = views + excluded.views`;
// Runs right after UPSERT_SOURCE: only when that one wrote nothing (not applied before, and over the cap).
const UPSERT_OTHER = `INSERT INTO analytics_sources (creator_id, day, dim, value, views) SELECT ?2, ?3, ?4, '(other)', ?5 WHERE changes() = 0 AND ${NOT_APPLIED}
  ON CONFLICT (creator_id, day, dim, value) DO UPDATE SET views = views + excluded.views`;
const UPSERT_USER_MONTH = `INSERT INTO analytics_user_months (month, user_id, days) SELECT ?2, ?3, ?4 WHERE ${NOT_APPLIED}
  ON CONFLICT (month, user_id) DO UPDATE SET days = days | excluded.days`;
const MARK_APPLIED = `INSERT OR IGNORE INTO analytics_applied (id, applied_at) VALUES (?1, ?2)`;

function statements(env: Env, id: string, p: Plan, now: number): D1PreparedStatement[] {
  const s: D1PreparedStatement[] = [];
  for (const [key, m] of p.rows) {
    const [creatorId, day, kind, itemId] = key.split("|");
    s.push(env.DB.prepare(UPSERT_ROW).bind(id, creatorId, day, kind, itemId, ...METRICS.map((k) => m[k])));
  }
  for (const x of p.visitors.values()) {
    const [creatorId, day, kind, itemId] = x.row.split("|");
    s.push(env.DB.prepare(INSERT_VISITOR).bind(id, x.creatorId, x.day, x.scope, x.visitor, now));
    s.push(env.DB.prepare(COUNT_UNIQUE).bind(creatorId, day, kind, itemId));
  }
  for (const x of p.sources.values()) {
    s.push(env.DB.prepare(UPSERT_SOURCE).bind(id, x.creatorId, x.day, x.dim, x.value, x.views));
    s.push(env.DB.prepare(UPSERT_OTHER).bind(id, x.creatorId, x.day, x.dim, x.views));
  }
  for (const x of p.userMonths.values()) s.push(env.DB.prepare(UPSERT_USER_MONTH).bind(id, x.month, x.userId, x.bits));
  s.push(env.DB.prepare(MARK_APPLIED).bind(id, now));
  return s;
}

/** Statements per D1 batch (one batch is one transaction); a message is never split across two. */
const STATEMENTS_PER_BATCH = 400;

/**
 * Applies messages (already validated) to the rollups. Returns how many were new. Throws on a D1
 * failure: nothing of the failed chunk was written, and redelivery is safe.
 */
export async function applyAnalyticsMessages(env: Env, messages: AnalyticsMessage[], now = nowSeconds()): Promise<number> {
  if (!messages.length) return 0;
  const resolved = await resolveAll(env, messages);
  let chunk: D1PreparedStatement[] = [];
  /** Positions of the MARK_APPLIED statements in `chunk`: each reports whether its id was new. */
  const marks = new Set<number>();
  let applied = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const results = await env.DB.batch(chunk);
    applied += results.filter((r, i) => marks.has(i) && r.meta.changes === 1).length;
    chunk = [];
    marks.clear();
  };
  for (const m of messages) {
    const st = statements(env, m.id, plan(m.events, resolved), now);
    if (chunk.length && chunk.length + st.length > STATEMENTS_PER_BATCH) await flush();
    chunk.push(...st);
    marks.add(chunk.length - 1);
  }
  await flush();
  return applied;
}

/** Parses a queue body; null when it is not an analytics message (acked and dropped with a log line). */
export function parseAnalyticsMessage(body: unknown): AnalyticsMessage | null {
  const r = v.safeParse(AnalyticsMessage, body);
  return r.success ? r.output : null;
}

/** Queue entry point: one rollup pass for the whole batch; on failure the batch is retried. */
export async function processAnalyticsBatch(env: Env, batch: MessageBatch<unknown>): Promise<void> {
  const messages: AnalyticsMessage[] = [];
  for (const msg of batch.messages) {
    const m = parseAnalyticsMessage(msg.body);
    if (m) messages.push(m);
    else console.warn(`analytics: message ${msg.id} is not an analytics message; dropped`);
  }
  await applyAnalyticsMessages(env, messages);
  batch.ackAll();
}

/** Forgets message ids and visitor keys older than DEDUPE_KEEP_DAYS (cron). */
export async function pruneAnalyticsDedupe(env: Env, now = nowSeconds()): Promise<void> {
  const before = now - DEDUPE_KEEP_DAYS * 86_400;
  await env.DB.batch([
    env.DB.prepare("DELETE FROM analytics_applied WHERE applied_at < ?1").bind(before),
    env.DB.prepare("DELETE FROM analytics_visitors WHERE seen_at < ?1").bind(before),
  ]);
}
