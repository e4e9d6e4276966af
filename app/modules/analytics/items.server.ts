/**
 * Per-item stats for an item's owner (the small panel on their own app, product and post pages):
 * views, unique visitors, try-clicks (apps) or sales (products) and conversion over the last 30
 * creator-local days, read from the per-item daily rollups and the orders ledger in one D1 batch.
 * Only the item's creator gets an answer; anyone else (admins included) gets the same 404 as for
 * an item that doesn't exist, so the endpoint says nothing about other creators' items.
 */
import * as v from "valibot";
import { badRequest, notFound } from "~/lib/errors";
import type { Viewer } from "~/modules/identity/auth.server";
import { addDays, dayNumber, isTimeZone, localDay } from "./zone";

export const ITEM_STATS_DAYS = 30;
const ItemQuery = v.object({
  kind: v.picklist(["app", "product", "post"], "Stats are kept for apps, products and posts."),
  id: v.pipe(v.string("Say which item."), v.minLength(1, "Say which item."), v.maxLength(80, "That item id is too long.")),
});
export type ItemStatsKind = v.InferOutput<typeof ItemQuery>["kind"];

export type ItemStats = {
  kind: ItemStatsKind;
  from: string;
  to: string;
  views: number;
  uniques: number;
  /** Try-clicks for an app, sales (paid or free orders) for a product, null for a post. */
  actions: number | null;
  actionLabel: string | null;
  /** actions ÷ unique visitors, in percent with one decimal; null when there is nothing to divide. */
  conversion: number | null;
};

const OWNER_SQL: Record<ItemStatsKind, string> = {
  app: "SELECT creator_id FROM apps WHERE id = ?1",
  product: "SELECT creator_id FROM products WHERE id = ?1",
  post: "SELECT creator_id FROM posts WHERE id = ?1",
};
const TZ_SQL = `SELECT COALESCE((SELECT time_zone FROM analytics_settings WHERE creator_id = ?1), (SELECT time_zone FROM service_availability WHERE creator_id = ?1), 'UTC') AS tz`;

export async function getItemStats(env: Env, viewer: Viewer, query: unknown, nowMs = Date.now()): Promise<ItemStats> {
  const parsed = v.safeParse(ItemQuery, query);
  if (!parsed.success) throw badRequest(parsed.issues[0].message);
  const { kind, id } = parsed.output;
  const db = env.DB;
  // Owner and time zone first (tiny), then the numbers in one batch: the 30 days depend on the zone.
  const [owner, zone] = await db.batch([db.prepare(OWNER_SQL[kind]).bind(id), db.prepare(TZ_SQL).bind(viewer.id)]);
  const creatorId = (owner.results[0] as { creator_id: string } | undefined)?.creator_id;
  if (!creatorId || creatorId !== viewer.id) throw notFound("We couldn't find that item among yours.");
  const tzRaw = (zone.results[0] as { tz: string } | undefined)?.tz;
  const tz = isTimeZone(tzRaw) ? tzRaw : "UTC";
  const to = localDay(nowMs, tz);
  const from = addDays(to, -(ITEM_STATS_DAYS - 1));
  const statements = [
    db
      .prepare(
        `SELECT COALESCE(SUM(views), 0) AS views, COALESCE(SUM(uniques), 0) AS uniques, COALESCE(SUM(tries), 0) AS tries
         FROM analytics_daily WHERE creator_id = ?1 AND item_kind = ?2 AND item_id = ?3 AND day BETWEEN ?4 AND ?5`,
      )
      .bind(viewer.id, kind, id, from, to),
  ];
  if (kind === "product")
    // A day either side in seconds; the creator-local day decides below.
    statements.push(
      db
        .prepare("SELECT created_at AS at FROM orders WHERE creator_id = ?1 AND product_id = ?2 AND created_at BETWEEN ?3 AND ?4")
        .bind(viewer.id, id, (dayNumber(from) - 1) * 86_400, (dayNumber(to) + 2) * 86_400),
    );
  const [roll, sales] = await db.batch(statements);
  const r = roll.results[0] as { views: number; uniques: number; tries: number };
  const actions =
    kind === "app"
      ? r.tries
      : kind === "product"
        ? (sales.results as { at: number }[]).filter((o) => {
            const d = localDay(o.at * 1000, tz);
            return d >= from && d <= to;
          }).length
        : null;
  return {
    kind,
    from,
    to,
    views: r.views,
    uniques: r.uniques,
    actions,
    actionLabel: kind === "app" ? "Try-clicks" : kind === "product" ? "Sales" : null,
    conversion: actions === null || r.uniques === 0 ? null : Math.round((actions / r.uniques) * 1000) / 10,
  };
}
