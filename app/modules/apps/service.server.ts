import { secrets } from "~/lib/secrets";
import { isHeld } from "~/modules/standing/queries.server";
import { and, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "~/lib/db.server";
import { conflict, forbidden, isUniqueViolation, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { overStored, parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { requireVerifiedEmail } from "~/modules/identity/verified.server";
import { deleteMedia, mediaUrl, putPublicImage, readImageUpload } from "~/modules/media/service.server";
import { SIGNAL_WEIGHTS, trendingIncrement } from "~/lib/trending";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { creators } from "~/modules/storefronts/schema";
import {
  findAppBySlug,
  findAppBySlugOrOld,
  findCategory,
  insertViewBySlug,
  renamedAppSlug,
  screenshotsOf,
  slugHolder,
  slugsStartingWith,
} from "./queries.server";
import { apps, appScreenshots, appSlugHistory, appVisits, counters } from "./schema";
import { onAppPublished, onAppRemoved, onAppStatusChanged } from "~/modules/feed/app-activity.server";
import { AppInput, MAX_SCREENSHOTS, RESERVED_SLUGS, ScreenshotMove, slugify, type AppInputOutput } from "./validation";

type AppRow = typeof apps.$inferSelect;

/**
 * Statements that invalidate every cached page showing this app: the app page (app version), the
 * creator's storefront (creator version) and discovery/home (catalog counter).
 */
function bumpVersions(db: Db, creatorId: string, appId?: string) {
  const now = nowSeconds();
  return [
    db
      .update(creators)
      .set({ version: sql`${creators.version} + 1`, updatedAt: now })
      .where(eq(creators.userId, creatorId)),
    db
      .update(counters)
      .set({ value: sql`${counters.value} + 1` })
      .where(eq(counters.name, "catalog")),
    ...(appId
      ? [
          db
            .update(apps)
            .set({ version: sql`${apps.version} + 1`, updatedAt: now })
            .where(eq(apps.id, appId)),
        ]
      : []),
  ] as const;
}

/**
 * Loads an app and checks the viewer may change it (its creator, or an admin). 404 / 403 otherwise.
 * An old slug finds its app too, so a form left open across a rename still acts on the right app.
 */
export async function requireOwnedApp(env: Env, viewer: Viewer, slug: string): Promise<AppRow> {
  const app = await findAppBySlugOrOld(env, slug);
  if (!app) throw notFound("That app doesn't exist.");
  if (app.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only change your own apps.");
  return app;
}

async function checkCategory(env: Env, slug: string) {
  if (!(await findCategory(env, slug)))
    throw unprocessable("Choose one of the listed categories.", { category: "Choose one of the listed categories." });
}

const slugTaken = "That address is taken. Please choose another.";
const slugKept = "That address used to belong to another app and still leads there. Please choose another.";

/** 409 with a message on the slug field when another app holds `slug` (now, or as an old slug). */
async function checkSlugFree(env: Env, slug: string, appId: string | null) {
  const holder = await slugHolder(env, slug);
  if (holder && holder.appId !== appId) throw conflict(holder.old ? slugKept : slugTaken, { slug: holder.old ? slugKept : slugTaken });
}

/**
 * Batch statements that claim `slug` for `appId`: the app's own history row for it goes (taking an
 * old slug back), and a probe row makes the whole batch fail with a UNIQUE violation when another
 * app keeps `slug` as an old slug — inside the transaction, so no race between check and write.
 */
function claimSlug(db: Db, slug: string, appId: string) {
  const own = and(eq(appSlugHistory.oldSlug, slug), eq(appSlugHistory.appId, appId));
  return [
    db.delete(appSlugHistory).where(own),
    db.insert(appSlugHistory).values({ oldSlug: slug, appId, createdAt: 0 }),
    db.delete(appSlugHistory).where(own),
  ] as const;
}

/** A free slug derived from the name: "voice-tutor", then "voice-tutor-2", "voice-tutor-3", … */
async function freeSlugFor(env: Env, name: string): Promise<string> {
  let base = slugify(name);
  if (base.length < 3) base = `${base || "app"}-app`.replace(/^-/, "");
  const taken = await slugsStartingWith(env, base);
  if (!taken.has(base) && !RESERVED_SLUGS.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

function columns(p: AppInputOutput) {
  return {
    name: p.name,
    tagline: p.tagline ?? "",
    descriptionMarkdown: p.description ?? "",
    appUrl: p.appUrl,
    demoVideoUrl: p.demoVideoUrl ?? null,
    categorySlug: p.category,
    techStack: p.techStack,
    status: p.status,
  };
}

/** Registers an app for the viewer's storefront; it is published straight away. */
export async function createApp(env: Env, viewer: Viewer, input: unknown) {
  await requireVerifiedEmail(env, viewer); // D61: publishing and selling wait for a verified address
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw forbidden("Open your storefront first — apps are listed on it.");
  const p = parseOrThrow(AppInput, input);
  await checkCategory(env, p.category);
  const slug = p.slug ?? (await freeSlugFor(env, p.name));
  if (p.slug) await checkSlugFree(env, p.slug, null);
  const db = getDb(env);
  const now = nowSeconds();
  const id = newId();
  try {
    await db.batch([
      db.insert(apps).values({
        id,
        creatorId: creator.userId,
        slug,
        ...columns(p),
        published: true,
        trendingScore: trendingIncrement(SIGNAL_WEIGHTS.publish, now),
        createdAt: now,
        updatedAt: now,
        publishedAt: now,
      }),
      ...claimSlug(db, slug, id),
      ...bumpVersions(db, creator.userId),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(slugTaken, { slug: slugTaken });
    throw e;
  }
  await onAppPublished(
    env,
    { id, creatorId: creator.userId, slug, name: p.name, tagline: p.tagline, status: p.status },
    creator.displayName,
  );
  return { id, slug };
}

export async function updateApp(env: Env, viewer: Viewer, slug: string, input: unknown) {
  const app = await requireOwnedApp(env, viewer, slug);
  // A field the request doesn't carry keeps its stored value (e.g. a missing status never resets to "live").
  const p = parseOrThrow(
    AppInput,
    overStored(input, {
      name: app.name,
      slug: app.slug,
      tagline: app.tagline,
      description: app.descriptionMarkdown,
      appUrl: app.appUrl,
      demoVideoUrl: app.demoVideoUrl ?? "",
      category: app.categorySlug,
      techStack: app.techStack.join(", "),
      status: app.status,
    }),
  );
  await checkCategory(env, p.category);
  const newSlug = p.slug ?? app.slug;
  const renamed = newSlug !== app.slug;
  if (renamed) await checkSlugFree(env, newSlug, app.id);
  const db = getDb(env);
  try {
    await db.batch([
      db
        .update(apps)
        .set({ ...columns(p), slug: newSlug })
        .where(eq(apps.id, app.id)),
      ...(renamed
        ? [
            ...claimSlug(db, newSlug, app.id),
            // The slug it leaves keeps leading to it (301), and no other app can take it.
            db.insert(appSlugHistory).values({ oldSlug: app.slug, appId: app.id, createdAt: nowSeconds() }),
          ]
        : []),
      ...bumpVersions(db, app.creatorId, app.id),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(slugTaken, { slug: slugTaken });
    throw e;
  }
  if (app.published)
    await onAppStatusChanged(
      env,
      { id: app.id, creatorId: app.creatorId, slug: newSlug, name: p.name, tagline: p.tagline, status: p.status },
      app.status,
    );
  return { slug: newSlug };
}

/** Publish or unpublish (a draft is visible only to its creator and admins). */
export async function setPublished(env: Env, viewer: Viewer, slug: string, published: boolean) {
  const app = await requireOwnedApp(env, viewer, slug);
  // An app an admin hid from the moderation queue stays unpublished until an admin unhides it (decision 121).
  if (published && (await isHeld(env, "app", app.id)))
    throw forbidden("An admin hid this app after a report; it can't be published again. Contact support.");
  const db = getDb(env);
  await db.batch([
    db
      .update(apps)
      .set({ published, publishedAt: published ? (app.publishedAt ?? nowSeconds()) : app.publishedAt })
      .where(eq(apps.id, app.id)),
    ...bumpVersions(db, app.creatorId, app.id),
  ]);
  if (!published) await onAppRemoved(env, app.id);
  else if (!app.published) {
    const creator = await findCreatorByUserId(env, app.creatorId);
    await onAppPublished(env, app, creator?.displayName ?? app.name);
  }
}

/** Featured is an editorial choice: admins only. */
export async function setFeatured(env: Env, viewer: Viewer, slug: string, featured: boolean) {
  if (!viewer.isAdmin) throw forbidden("Only All Thrive staff can feature apps.");
  const app = await findAppBySlugOrOld(env, slug);
  if (!app) throw notFound("That app doesn't exist.");
  const db = getDb(env);
  await db.batch([db.update(apps).set({ featured }).where(eq(apps.id, app.id)), ...bumpVersions(db, app.creatorId, app.id)]);
}

/**
 * Deletes the app, its screenshots, visit log and old slugs (cascade: they are free again) and then
 * its R2 objects.
 */
export async function deleteApp(env: Env, viewer: Viewer, slug: string) {
  const app = await requireOwnedApp(env, viewer, slug);
  const shots = await screenshotsOf(env, app.id);
  const db = getDb(env);
  await onAppRemoved(env, app.id);
  await db.batch([db.delete(apps).where(eq(apps.id, app.id)), ...bumpVersions(db, app.creatorId)]);
  await deleteMedia(env, [app.logoKey, ...shots.map((s) => s.key)]);
}

export async function setLogo(env: Env, viewer: Viewer, slug: string, source: ReadableStream<Uint8Array> | File | null) {
  const app = await requireOwnedApp(env, viewer, slug);
  const image = await readImageUpload(source, "logo");
  const key = await putPublicImage(env, "logo", app.id, image);
  const db = getDb(env);
  await db.batch([db.update(apps).set({ logoKey: key }).where(eq(apps.id, app.id)), ...bumpVersions(db, app.creatorId, app.id)]);
  await deleteMedia(env, [app.logoKey]);
  return { logoUrl: mediaUrl(key)! };
}

const fullMessage = `An app can have up to ${MAX_SCREENSHOTS} screenshots. Remove one to add another.`;

/**
 * Adds a screenshot at the end. The 8-screenshot cap holds under parallel uploads: the insert is
 * conditional on the count inside one statement, and a refused insert removes the stored object.
 */
export async function addScreenshot(env: Env, viewer: Viewer, slug: string, source: ReadableStream<Uint8Array> | File | null) {
  const app = await requireOwnedApp(env, viewer, slug);
  if ((await screenshotsOf(env, app.id)).length >= MAX_SCREENSHOTS) throw conflict(fullMessage);
  const image = await readImageUpload(source, "screenshot");
  const key = await putPublicImage(env, "screenshot", app.id, image);
  const db = getDb(env);
  const id = newId();
  const [inserted] = await db.batch([
    // Column order of app_screenshots: id, app_id, key, position, created_at.
    db.insert(appScreenshots).select(
      sql`SELECT ${id}, ${app.id}, ${key}, COALESCE(MAX(position), 0) + 1, ${nowSeconds()}
        FROM app_screenshots WHERE app_id = ${app.id} HAVING COUNT(*) < ${MAX_SCREENSHOTS}`,
    ),
    ...bumpVersions(db, app.creatorId, app.id),
  ]);
  if (!inserted.meta.changes) {
    await deleteMedia(env, [key]);
    throw conflict(fullMessage);
  }
  return { id, url: mediaUrl(key)! };
}

export async function removeScreenshot(env: Env, viewer: Viewer, slug: string, screenshotId: string) {
  const app = await requireOwnedApp(env, viewer, slug);
  const shot = (await screenshotsOf(env, app.id)).find((s) => s.id === screenshotId);
  if (!shot) throw notFound("That screenshot is already gone.");
  const db = getDb(env);
  await db.batch([
    db.delete(appScreenshots).where(and(eq(appScreenshots.id, shot.id), eq(appScreenshots.appId, app.id))),
    ...bumpVersions(db, app.creatorId, app.id),
  ]);
  await deleteMedia(env, [shot.key]);
}

/** Swaps a screenshot with its neighbour (works as a plain form: "Move up" / "Move down"). */
export async function moveScreenshot(env: Env, viewer: Viewer, slug: string, input: unknown) {
  const app = await requireOwnedApp(env, viewer, slug);
  const { screenshotId, direction } = parseOrThrow(ScreenshotMove, input);
  const shots = await screenshotsOf(env, app.id);
  const i = shots.findIndex((s) => s.id === screenshotId);
  if (i < 0) throw notFound("That screenshot is gone.");
  const j = direction === "up" ? i - 1 : i + 1;
  if (j < 0 || j >= shots.length) return;
  const db = getDb(env);
  await db.batch([
    db.update(appScreenshots).set({ position: shots[j].position }).where(eq(appScreenshots.id, shots[i].id)),
    db.update(appScreenshots).set({ position: shots[i].position }).where(eq(appScreenshots.id, shots[j].id)),
    ...bumpVersions(db, app.creatorId, app.id),
  ]);
}

/**
 * Counts a page view or try-click at most once per visitor per app per day. The dedupe row and the
 * counter + trending update run in one batch; `changes()` makes the update conditional on the insert.
 */
export async function recordVisit(env: Env, appId: string, visitor: string, kind: "view" | "try", now = nowSeconds()) {
  const db = getDb(env);
  const day = Math.floor(now / 86400);
  const inc = trendingIncrement(kind === "try" ? SIGNAL_WEIGHTS.try : SIGNAL_WEIGHTS.view, now);
  const counter = kind === "try" ? apps.tryCount : apps.viewCount;
  const [, updated] = await db.batch([
    db.insert(appVisits).values({ appId, day, visitor, kind }).onConflictDoNothing(),
    db
      .update(apps)
      .set({ [kind === "try" ? "tryCount" : "viewCount"]: sql`${counter} + 1`, trendingScore: sql`${apps.trendingScore} + ${inc}` })
      .where(and(eq(apps.id, appId), sql`changes() = 1`)),
  ]);
  return { counted: updated.meta.changes === 1 };
}

/**
 * `/apps/:slug/try`: the app's outbound URL, recording the try-click (not counted without a visitor
 * key — see `visitorKey`). An old slug of a published app answers `{ movedTo }` instead: the click is
 * counted once, at the current slug's try URL.
 */
export async function tryApp(env: Env, slug: string, visitor: string | null): Promise<{ appUrl: string } | { movedTo: string }> {
  const app = await findAppBySlug(env, slug);
  if (!app) {
    const movedTo = await renamedAppSlug(env, slug, null);
    if (movedTo) return { movedTo };
  }
  if (!app || !app.published) throw notFound("That app doesn't exist.");
  if (visitor) await recordVisit(env, app.id, visitor, "try");
  return { appUrl: app.appUrl };
}

/**
 * Visitor keys this isolate has already counted today, per app (`day|slug|visitor`). A view is
 * counted once per visitor per app per day by the `app_visits` key anyway, so a repeat view in the
 * same isolate has nothing to write: skipping it keeps an edge-cache hit free of D1 work (the
 * anonymous app page is otherwise a cached document plus a D1 write batch on every request).
 * Bounded; a new day or 20,000 entries start it afresh.
 */
const countedViews = new Set<string>();
let countedDay = -1;

/**
 * Records a page view of a published app by its current slug (called off the response path): one
 * D1 batch that finds the app by slug and inserts the visit row in the same statement, then the
 * counter update conditional on that insert. Returns whether anything was written.
 */
export async function recordAppView(env: Env, slug: string, visitor: string | null, now = nowSeconds()): Promise<{ counted: boolean }> {
  if (!visitor) return { counted: false };
  const day = Math.floor(now / 86400);
  if (day !== countedDay || countedViews.size >= 20_000) {
    countedViews.clear();
    countedDay = day;
  }
  const memo = `${day}|${slug.toLowerCase()}|${visitor}`;
  if (countedViews.has(memo)) return { counted: false };
  const counted = await insertViewBySlug(env, slug.toLowerCase(), day, visitor, trendingIncrement(SIGNAL_WEIGHTS.view, now));
  countedViews.add(memo);
  return { counted };
}

/** Public, so it only ever applies with APP_ENV=development (npm start, benchmarks, browser tests). */
const DEV_VISITOR_SECRET = "dev-only-visitor-hash-secret-not-for-production";
let hmacKey: { secret: string; key: CryptoKey } | null = null;
let warnedNoSecret = false;

/** The configured secret; the dev default in development; otherwise null (with one warning per isolate). */
function visitorSecret(env: Env): string | null {
  const s = secrets(env).VISITOR_HASH_SECRET;
  if (s && s.length >= 16) return s;
  if (env.APP_ENV === "development") return DEV_VISITOR_SECRET;
  if (!warnedNoSecret) {
    warnedNoSecret = true;
    console.warn(
      "VISITOR_HASH_SECRET is missing or shorter than 16 characters (wrangler secret put VISITOR_HASH_SECRET): anonymous page views and try-clicks are not counted.",
    );
  }
  return null;
}

async function hmacKeyFor(secret: string): Promise<CryptoKey> {
  if (hmacKey?.secret !== secret) {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    hmacKey = { secret, key };
  }
  return hmacKey.key;
}

/**
 * The visitor key behind "one count per visitor per day": the user id when signed in, otherwise
 * HMAC-SHA-256(VISITOR_HASH_SECRET, day | IP | user agent), truncated to 96 bits. No raw IP is stored,
 * the key changes every day, and without the secret the table can't be brute-forced back to IPs.
 * Null for anonymous visitors when no secret is configured outside development: they aren't counted.
 */
export async function visitorKey(env: Env, request: Request, viewerId: string | null, nowMs = Date.now()): Promise<string | null> {
  if (viewerId) return `u:${viewerId}`;
  const secret = visitorSecret(env);
  if (!secret) return null;
  const day = Math.floor(nowMs / 86_400_000);
  const raw = `${day}|${request.headers.get("CF-Connecting-IP") ?? "local"}|${request.headers.get("User-Agent") ?? ""}`;
  if (hashedDay !== day || hashedSecret !== secret || hashed.size >= HASHED_MAX) {
    hashed.clear();
    hashedDay = day;
    hashedSecret = secret;
  }
  const known = hashed.get(raw);
  if (known) return known;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKeyFor(secret), new TextEncoder().encode(raw)));
  const key = "h:" + [...mac.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (hashedDay === day && hashedSecret === secret) hashed.set(raw, key);
  return key;
}

/**
 * Visitor keys this isolate has already worked out today (decision 0145): a visitor's next page
 * costs a map lookup instead of an HMAC. Only for the current UTC day and secret; bounded (a full
 * map starts afresh). Lives in memory only, like the request it came from.
 */
const hashed = new Map<string, string>();
const HASHED_MAX = 10_000;
let hashedDay = -1;
let hashedSecret = "";
