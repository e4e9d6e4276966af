import { and, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { deleteMedia, mediaUrl, putPublicImage, readImageUpload } from "~/modules/media/service.server";
import { SIGNAL_WEIGHTS, trendingIncrement } from "~/modules/discovery/trending";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { creators } from "~/modules/storefronts/schema";
import { findAppBySlug, findCategory, screenshotsOf, slugsStartingWith } from "./queries.server";
import { apps, appScreenshots, appVisits, counters } from "./schema";
import { onAppPublished, onAppRemoved, onAppStatusChanged } from "~/modules/feed/app-activity.server";
import { AppInput, MAX_SCREENSHOTS, ScreenshotMove, slugify, type AppInputOutput } from "./validation";

type AppRow = typeof apps.$inferSelect;

/**
 * Statements that invalidate every cached page showing this app: the app page (app version), the
 * creator's storefront (creator version) and discovery/home (catalog counter).
 */
function bumpVersions(db: Db, creatorId: string, appId?: string) {
  const now = nowSeconds();
  return [
    db.update(creators).set({ version: sql`${creators.version} + 1`, updatedAt: now }).where(eq(creators.userId, creatorId)),
    db.update(counters).set({ value: sql`${counters.value} + 1` }).where(eq(counters.name, "catalog")),
    ...(appId ? [db.update(apps).set({ version: sql`${apps.version} + 1`, updatedAt: now }).where(eq(apps.id, appId))] : []),
  ] as const;
}

/** Loads an app and checks the viewer may change it (its creator, or an admin). 404 / 403 otherwise. */
export async function requireOwnedApp(env: Env, viewer: Viewer, slug: string): Promise<AppRow> {
  const app = await findAppBySlug(env, slug);
  if (!app) throw notFound("That app doesn't exist.");
  if (app.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only change your own apps.");
  return app;
}

async function checkCategory(env: Env, slug: string) {
  if (!(await findCategory(env, slug))) throw unprocessable("Choose one of the listed categories.", { category: "Choose one of the listed categories." });
}

const slugTaken = "That address is taken. Please choose another.";

/** A free slug derived from the name: "voice-tutor", then "voice-tutor-2", "voice-tutor-3", … */
async function freeSlugFor(env: Env, name: string): Promise<string> {
  let base = slugify(name);
  if (base.length < 3) base = `${base || "app"}-app`.replace(/^-/, "");
  const taken = await slugsStartingWith(env, base);
  if (!taken.has(base) && !["new", "edit", "try"].includes(base)) return base;
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

const isUniqueViolation = (e: unknown) => /UNIQUE/i.test(String(e));

/** Registers an app for the viewer's storefront; it is published straight away. */
export async function createApp(env: Env, viewer: Viewer, input: unknown) {
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw forbidden("Open your storefront first — apps are listed on it.");
  const p = parseOrThrow(AppInput, input);
  await checkCategory(env, p.category);
  const slug = p.slug ?? (await freeSlugFor(env, p.name));
  if (p.slug && (await findAppBySlug(env, p.slug))) throw conflict(slugTaken, { slug: slugTaken });
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
      ...bumpVersions(db, creator.userId),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(slugTaken, { slug: slugTaken });
    throw e;
  }
  await onAppPublished(env, { id, creatorId: creator.userId, slug, name: p.name, tagline: p.tagline, status: p.status }, creator.displayName);
  return { id, slug };
}

export async function updateApp(env: Env, viewer: Viewer, slug: string, input: unknown) {
  const app = await requireOwnedApp(env, viewer, slug);
  const p = parseOrThrow(AppInput, input);
  await checkCategory(env, p.category);
  const newSlug = p.slug ?? app.slug;
  if (newSlug !== app.slug && (await findAppBySlug(env, newSlug))) throw conflict(slugTaken, { slug: slugTaken });
  const db = getDb(env);
  try {
    await db.batch([db.update(apps).set({ ...columns(p), slug: newSlug }).where(eq(apps.id, app.id)), ...bumpVersions(db, app.creatorId, app.id)]);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(slugTaken, { slug: slugTaken });
    throw e;
  }
  if (app.published) await onAppStatusChanged(env, { id: app.id, creatorId: app.creatorId, slug: newSlug, name: p.name, tagline: p.tagline, status: p.status }, app.status);
  return { slug: newSlug };
}

/** Publish or unpublish (a draft is visible only to its creator and admins). */
export async function setPublished(env: Env, viewer: Viewer, slug: string, published: boolean) {
  const app = await requireOwnedApp(env, viewer, slug);
  const db = getDb(env);
  await db.batch([
    db.update(apps).set({ published, publishedAt: published ? (app.publishedAt ?? nowSeconds()) : app.publishedAt }).where(eq(apps.id, app.id)),
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
  const app = await findAppBySlug(env, slug);
  if (!app) throw notFound("That app doesn't exist.");
  const db = getDb(env);
  await db.batch([db.update(apps).set({ featured }).where(eq(apps.id, app.id)), ...bumpVersions(db, app.creatorId, app.id)]);
}

/** Deletes the app, its screenshots and visit log (cascade) and then its R2 objects. */
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
  await db.batch([db.delete(appScreenshots).where(and(eq(appScreenshots.id, shot.id), eq(appScreenshots.appId, app.id))), ...bumpVersions(db, app.creatorId, app.id)]);
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

/** The app's outbound URL for `/apps/:slug/try`, recording the try-click. */
export async function tryApp(env: Env, slug: string, visitor: string) {
  const app = await findAppBySlug(env, slug);
  if (!app || !app.published) throw notFound("That app doesn't exist.");
  await recordVisit(env, app.id, visitor, "try");
  return app.appUrl;
}

/** Records a page view of a published app by slug (called off the response path). */
export async function recordAppView(env: Env, slug: string, visitor: string) {
  const app = await findAppBySlug(env, slug);
  if (app?.published) await recordVisit(env, app.id, visitor, "view");
}

/**
 * The visitor key behind "one count per visitor per day": the user id when signed in, otherwise a
 * hash of the day, IP and user agent (no raw IP is stored, and the key changes every day).
 */
export async function visitorKey(request: Request, viewerId: string | null): Promise<string> {
  if (viewerId) return `u:${viewerId}`;
  const day = Math.floor(Date.now() / 86_400_000);
  const raw = `${day}|${request.headers.get("CF-Connecting-IP") ?? "local"}|${request.headers.get("User-Agent") ?? ""}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(raw)));
  return "h:" + [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
