/**
 * The API's read side: the caller's own resources, keyset-paginated sales and audience lists, and
 * public storefront data. Presenters are typed by the response schemas in ./responses.
 */
import type * as v from "valibot";
import { and, asc, desc, eq, gte, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { getDb } from "~/lib/db.server";
import { decodeCursor, encodeCursor } from "~/lib/cursor";
import { notFound, unprocessable } from "~/lib/errors";
import { publicUrl } from "~/lib/public-url";
import { apps } from "~/modules/apps/schema";
import { follows } from "~/modules/follows/schema";
import { users } from "~/modules/identity/schema";
import { memberships, orders } from "~/modules/payments/schema";
import { posts } from "~/modules/posts/schema";
import { products } from "~/modules/products/schema";
import { bookings, services } from "~/modules/services/schema";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import type * as R from "./responses";

const iso = (s: number) => new Date(s * 1000).toISOString();
const isoOrNull = (s: number | null) => (s === null ? null : iso(s));

type AppRow = typeof apps.$inferSelect;
export const presentApp = (env: Env, a: AppRow): v.InferOutput<typeof R.App> => ({
  id: a.id,
  slug: a.slug,
  name: a.name,
  tagline: a.tagline,
  description: a.descriptionMarkdown,
  appUrl: a.appUrl,
  demoVideoUrl: a.demoVideoUrl,
  category: a.categorySlug,
  techStack: a.techStack,
  status: a.status,
  published: a.published,
  url: publicUrl(env, `/apps/${a.slug}`),
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});

type PostRow = typeof posts.$inferSelect;
export const presentPost = (p: PostRow): v.InferOutput<typeof R.Post> => ({
  id: p.id,
  slug: p.slug,
  title: p.title,
  excerpt: p.excerpt,
  body: p.bodyMarkdown,
  visibility: p.visibility,
  tierIds: p.tierIds,
  productId: p.productId,
  appId: p.appId,
  status: p.status,
  publishAt: isoOrNull(p.publishAt),
  publishedAt: isoOrNull(p.publishedAt),
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

type ProductRow = typeof products.$inferSelect;
export const presentProduct = (p: ProductRow): v.InferOutput<typeof R.Product> => ({
  id: p.id,
  slug: p.slug,
  type: p.type,
  title: p.title,
  description: p.descriptionMarkdown,
  pricing: p.pricing,
  priceAmount: p.priceAmount,
  minimumAmount: p.minimumAmount,
  currency: p.currency,
  status: p.status,
  createdAt: iso(p.createdAt),
});

type TierRow = typeof tiers.$inferSelect;
export const presentTier = (t: TierRow): v.InferOutput<typeof R.Tier> => ({
  id: t.id,
  name: t.name,
  description: t.description ?? "",
  benefits: t.benefits,
  pricing: t.pricing,
  currency: t.currency,
  monthlyAmount: t.monthlyAmount,
  annualAmount: t.annualAmount,
  maxSubscribers: t.maxSubscribers,
  status: t.status,
});

type ServiceRow = typeof services.$inferSelect;
export const presentService = (s: ServiceRow): v.InferOutput<typeof R.Service> => ({
  id: s.id,
  slug: s.slug,
  title: s.title,
  description: s.descriptionMarkdown,
  pricing: s.pricing,
  priceAmount: s.priceAmount,
  currency: s.currency,
  durationMinutes: s.durationMinutes,
  status: s.status,
});

// ── the caller's own resources (another creator's answers 404, like a missing one) ──────────────

export async function ownApp(env: Env, creatorId: string, slug: string) {
  const a = await getDb(env).query.apps.findFirst({ where: and(eq(apps.slug, slug.toLowerCase()), eq(apps.creatorId, creatorId)) });
  if (!a) throw notFound("No app of yours has that slug.");
  return a;
}
export async function ownPost(env: Env, creatorId: string, id: string) {
  const p = await getDb(env).query.posts.findFirst({ where: and(eq(posts.id, id), eq(posts.creatorId, creatorId)) });
  if (!p) throw notFound("No post of yours has that id.");
  return p;
}
export async function ownProduct(env: Env, creatorId: string, id: string) {
  const p = await getDb(env).query.products.findFirst({ where: and(eq(products.id, id), eq(products.creatorId, creatorId)) });
  if (!p) throw notFound("No product of yours has that id.");
  return p;
}
export async function ownTier(env: Env, creatorId: string, id: string) {
  const t = await getDb(env).query.tiers.findFirst({ where: and(eq(tiers.id, id), eq(tiers.creatorId, creatorId)) });
  if (!t) throw notFound("No tier of yours has that id.");
  return t;
}
export async function ownService(env: Env, creatorId: string, id: string) {
  const s = await getDb(env).query.services.findFirst({ where: and(eq(services.id, id), eq(services.creatorId, creatorId)) });
  if (!s) throw notFound("No service of yours has that id.");
  return s;
}

const LIST_LIMIT = 100;
export const listOwnApps = (env: Env, creatorId: string) =>
  getDb(env).select().from(apps).where(eq(apps.creatorId, creatorId)).orderBy(desc(apps.createdAt)).limit(LIST_LIMIT);
export const listOwnPosts = (env: Env, creatorId: string) =>
  getDb(env).select().from(posts).where(eq(posts.creatorId, creatorId)).orderBy(desc(posts.createdAt)).limit(LIST_LIMIT);
export const listOwnProducts = (env: Env, creatorId: string) =>
  getDb(env).select().from(products).where(eq(products.creatorId, creatorId)).orderBy(desc(products.createdAt)).limit(LIST_LIMIT);
export const listOwnTiers = (env: Env, creatorId: string) =>
  getDb(env).select().from(tiers).where(eq(tiers.creatorId, creatorId)).orderBy(asc(tiers.position)).limit(LIST_LIMIT);
export const listOwnServices = (env: Env, creatorId: string) =>
  getDb(env).select().from(services).where(eq(services.creatorId, creatorId)).orderBy(desc(services.createdAt)).limit(LIST_LIMIT);

export async function storefrontOf(env: Env, creatorId: string): Promise<v.InferOutput<typeof R.Storefront>> {
  const c = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, creatorId) });
  if (!c) throw notFound("You have no storefront yet. Open one at /dashboard first.");
  return presentStorefront(env, c);
}

function presentStorefront(env: Env, c: typeof creators.$inferSelect): v.InferOutput<typeof R.Storefront> {
  return {
    handle: c.handle,
    displayName: c.displayName,
    bio: c.bioMarkdown,
    url: publicUrl(env, `/@${c.handle}`),
    avatarUrl: c.avatarKey ? publicUrl(env, `/media/${c.avatarKey}`) : null,
    links: Object.fromEntries(Object.entries(c.links ?? {}).filter(([, val]) => typeof val === "string" && val)) as Record<string, string>,
  };
}

export async function handleOf(env: Env, userId: string): Promise<string | null> {
  const c = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, userId), columns: { handle: true } });
  return c?.handle ?? null;
}

// ── keyset pages with a date filter ─────────────────────────────────────────────────────────────

export type PageQuery = { limit: number; cursor: [number, string] | null; since: number | null; until: number | null };

const isCursor = (x: unknown): x is [number, string] =>
  Array.isArray(x) && x.length === 2 && Number.isInteger(x[0]) && typeof x[1] === "string";

function toSeconds(raw: string, name: string): number {
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms))
    throw unprocessable(`${name} must be an ISO 8601 date or date-time.`, { [name]: "Use e.g. 2026-12-01 or 2026-12-01T10:00:00Z." });
  return Math.floor(ms / 1000);
}

/** `limit` (1–100, default 50), `cursor` (opaque, from `nextCursor`), `since`/`until` (ISO dates, inclusive/exclusive). */
export function pageQuery(q: URLSearchParams): PageQuery {
  const rawLimit = q.get("limit");
  const limit = rawLimit === null ? 50 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw unprocessable("limit must be a whole number from 1 to 100.", { limit: "1–100" });
  const rawCursor = q.get("cursor");
  const cursor = rawCursor ? decodeCursor(rawCursor, isCursor) : null;
  if (rawCursor && !cursor) throw unprocessable("That cursor is not valid. Start again without one.", { cursor: "Invalid cursor." });
  const since = q.get("since");
  const until = q.get("until");
  return { limit, cursor, since: since ? toSeconds(since, "since") : null, until: until ? toSeconds(until, "until") : null };
}

/** Newest first by (created_at, id); the page's conditions for a table's time and id columns. */
function keyset(p: PageQuery, at: SQLiteColumn, idCol: SQLiteColumn): SQL[] {
  const out: SQL[] = [];
  if (p.since !== null) out.push(gte(at, p.since));
  if (p.until !== null) out.push(lt(at, p.until));
  if (p.cursor) out.push(or(lt(at, p.cursor[0]), and(eq(at, p.cursor[0]), lt(idCol, p.cursor[1])))!);
  return out;
}

function finish<T, O>(rows: T[], p: PageQuery, key: (r: T) => [number, string], present: (r: T) => O) {
  const more = rows.length > p.limit;
  const shown = more ? rows.slice(0, p.limit) : rows;
  return { data: shown.map(present), nextCursor: more ? encodeCursor(key(shown[shown.length - 1])) : null };
}

export async function pageOrders(env: Env, creatorId: string, p: PageQuery) {
  const rows = await getDb(env)
    .select({ o: orders, email: users.email })
    .from(orders)
    .leftJoin(users, and(eq(users.id, orders.buyerId), isNull(users.deletedAt)))
    .where(and(eq(orders.creatorId, creatorId), ...keyset(p, orders.createdAt, orders.id)))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(p.limit + 1);
  return finish(
    rows,
    p,
    (r) => [r.o.createdAt, r.o.id],
    (r): v.InferOutput<typeof R.Order> => ({
      id: r.o.id,
      productId: r.o.productId,
      customerEmail: r.email,
      currency: r.o.currency,
      amount: r.o.gross,
      fee: r.o.fee,
      net: r.o.net,
      status: r.o.status,
      amountRefunded: r.o.amountRefunded,
      createdAt: iso(r.o.createdAt),
    }),
  );
}

export async function pageMembers(env: Env, creatorId: string, p: PageQuery) {
  const rows = await getDb(env)
    .select({ m: memberships, email: users.email })
    .from(memberships)
    .leftJoin(users, and(eq(users.id, memberships.userId), isNull(users.deletedAt)))
    .where(and(eq(memberships.creatorId, creatorId), ...keyset(p, memberships.createdAt, memberships.id)))
    .orderBy(desc(memberships.createdAt), desc(memberships.id))
    .limit(p.limit + 1);
  return finish(
    rows,
    p,
    (r) => [r.m.createdAt, r.m.id],
    (r): v.InferOutput<typeof R.Member> => ({
      id: r.m.id,
      tierId: r.m.tierId,
      customerEmail: r.email,
      status: r.m.status,
      interval: r.m.interval,
      amount: r.m.amount,
      currency: r.m.currency,
      currentPeriodEnd: isoOrNull(r.m.currentPeriodEnd),
      createdAt: iso(r.m.createdAt),
    }),
  );
}

/** Followers expose their public profile only (handle, name), never an email. */
export async function pageFollowers(env: Env, creatorId: string, p: PageQuery) {
  const rows = await getDb(env)
    .select({ followerId: follows.followerId, at: follows.createdAt, handle: creators.handle, displayName: creators.displayName })
    .from(follows)
    .leftJoin(creators, and(eq(creators.userId, follows.followerId), isNull(creators.hiddenAt)))
    .where(and(eq(follows.creatorId, creatorId), ...keyset(p, follows.createdAt, follows.followerId)))
    .orderBy(desc(follows.createdAt), desc(follows.followerId))
    .limit(p.limit + 1);
  return finish(
    rows,
    p,
    (r) => [r.at, r.followerId],
    (r): v.InferOutput<typeof R.Follower> => ({ handle: r.handle, displayName: r.displayName, followedAt: iso(r.at) }),
  );
}

export async function pageBookings(env: Env, creatorId: string, p: PageQuery) {
  const rows = await getDb(env)
    .select({ b: bookings, email: users.email })
    .from(bookings)
    .leftJoin(users, and(eq(users.id, bookings.buyerId), isNull(users.deletedAt)))
    .where(and(eq(bookings.creatorId, creatorId), sql`${bookings.status} <> 'pending'`, ...keyset(p, bookings.createdAt, bookings.id)))
    .orderBy(desc(bookings.createdAt), desc(bookings.id))
    .limit(p.limit + 1);
  return finish(
    rows,
    p,
    (r) => [r.b.createdAt, r.b.id],
    (r): v.InferOutput<typeof R.Booking> => ({
      id: r.b.id,
      serviceId: r.b.serviceId,
      customerEmail: r.email,
      status: r.b.status,
      startAt: isoOrNull(r.b.startAt),
      endAt: isoOrNull(r.b.endAt),
      currency: r.b.currency,
      amount: r.b.gross,
      createdAt: iso(r.b.createdAt),
    }),
  );
}

// ── public data of any storefront (suspended or deleted creators are hidden: 404) ────────────────

async function publicCreator(env: Env, handle: string) {
  const c = await getDb(env).query.creators.findFirst({ where: and(eq(creators.handle, handle.toLowerCase()), isNull(creators.hiddenAt)) });
  if (!c) throw notFound("No storefront has that handle.");
  return c;
}

export async function publicStorefront(env: Env, handle: string) {
  return presentStorefront(env, await publicCreator(env, handle));
}

export async function publicApps(env: Env, handle: string) {
  const c = await publicCreator(env, handle);
  const rows = await getDb(env)
    .select()
    .from(apps)
    .where(and(eq(apps.creatorId, c.userId), eq(apps.published, true)))
    .orderBy(desc(apps.publishedAt))
    .limit(LIST_LIMIT);
  return { data: rows.map((a) => presentApp(env, a)) };
}

/** Published posts; gated ones show title and lock only — no body, no excerpt. */
export async function publicPosts(env: Env, handle: string) {
  const c = await publicCreator(env, handle);
  const rows = await getDb(env)
    .select({ slug: posts.slug, title: posts.title, excerpt: posts.excerpt, visibility: posts.visibility, publishedAt: posts.publishedAt })
    .from(posts)
    .where(and(eq(posts.creatorId, c.userId), eq(posts.status, "published")))
    .orderBy(desc(posts.publishedAt))
    .limit(LIST_LIMIT);
  return {
    data: rows.map((p): v.InferOutput<typeof R.PublicPost> => ({
      slug: p.slug,
      title: p.title,
      excerpt: p.visibility === "public" ? p.excerpt : null,
      visibility: p.visibility,
      gated: p.visibility !== "public",
      url: publicUrl(env, `/@${c.handle}/posts/${p.slug}`),
      publishedAt: isoOrNull(p.publishedAt),
    })),
  };
}

export async function publicOfferings(
  env: Env,
  handle: string,
  priceLabel: (p: ProductRow) => string,
): Promise<v.InferOutput<typeof R.Offerings>> {
  const c = await publicCreator(env, handle);
  const db = getDb(env);
  const [ps, ts, ss] = await db.batch([
    db
      .select()
      .from(products)
      .where(and(eq(products.creatorId, c.userId), eq(products.status, "published")))
      .orderBy(desc(products.createdAt))
      .limit(LIST_LIMIT),
    db
      .select()
      .from(tiers)
      .where(and(eq(tiers.creatorId, c.userId), eq(tiers.status, "active")))
      .orderBy(asc(tiers.position))
      .limit(LIST_LIMIT),
    db
      .select()
      .from(services)
      .where(and(eq(services.creatorId, c.userId), eq(services.status, "published")))
      .orderBy(desc(services.createdAt))
      .limit(LIST_LIMIT),
  ]);
  return {
    products: ps.map((p) => ({
      slug: p.slug,
      title: p.title,
      type: p.type,
      priceLabel: priceLabel(p),
      url: publicUrl(env, `/@${c.handle}/products/${p.slug}`),
    })),
    tiers: ts.map((t) => ({ id: t.id, name: t.name, pricing: t.pricing, currency: t.currency, monthlyAmount: t.monthlyAmount })),
    services: ss.map((s) => ({
      slug: s.slug,
      title: s.title,
      pricing: s.pricing,
      url: publicUrl(env, `/@${c.handle}/services/${s.slug}`),
    })),
  };
}
