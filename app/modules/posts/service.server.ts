/**
 * Writing posts: create, edit, publish now, schedule, unpublish, delete, cover and inline images.
 * Every mutation checks that the viewer owns the post's storefront (or is an admin).
 */
import { isHeld } from "~/modules/standing/queries.server";
import { emitCreatorEvent } from "~/modules/webhooks/emit.server";
import { publicUrl } from "~/lib/public-url";
import { and, eq, ne, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { overStored, parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { requireVerifiedEmail } from "~/modules/identity/verified.server";
import { deleteMedia, mediaUrl, putPublicImage, readImageUpload } from "~/modules/media/service.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { creators } from "~/modules/storefronts/schema";
import { publishActivity, retractActivity } from "~/modules/feed/service.server";
import { activities } from "~/modules/feed/schema";
import { notifications } from "~/modules/notifications/schema";
import { validateOfferings } from "~/modules/content/offerings.server";
import { findPostById, findPostBySlug, listDuePosts, type CreatorRow, type PostRow } from "./queries.server";
import { listFields, postPath, teaserOf } from "./present.server";
import { posts } from "./schema";
import { reindexPostStatements } from "./search-index.server";
import { PostInput, ScheduleInput } from "./validation";

export function slugify(title: string): string {
  const s = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 70)
    .replace(/-+$/, "");
  return s || "post";
}

export async function requireCreator(env: Env, viewer: Viewer) {
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw forbidden("Open your storefront first — posts belong to a creator profile.");
  return creator;
}

/** Loads a post the viewer may edit (its creator, or an admin). */
export async function requireOwnedPost(env: Env, viewer: Viewer, postId: string) {
  const post = await findPostById(env, postId);
  if (!post) throw notFound("That post doesn't exist.");
  if (post.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only edit your own posts.");
  const creator = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, post.creatorId) });
  if (!creator) throw notFound("That post doesn't exist.");
  return { post, creator };
}

async function uniqueSlug(env: Env, creatorId: string, wanted: string, exceptId?: string) {
  const db = getDb(env);
  for (let i = 1; i < 50; i++) {
    const slug = i === 1 ? wanted : `${wanted.slice(0, 74)}-${i}`;
    const taken = await db.query.posts.findFirst({
      where: and(eq(posts.creatorId, creatorId), eq(posts.slug, slug), exceptId ? ne(posts.id, exceptId) : undefined),
      columns: { id: true },
    });
    if (!taken) return slug;
  }
  return `${wanted.slice(0, 60)}-${newId(6)}`;
}

async function parsePost(env: Env, creatorId: string, input: unknown) {
  const p = parseOrThrow(PostInput, input);
  if (p.visibility === "tiers" && !p.tierIds.length)
    throw unprocessable("Choose at least one tier.", { tierIds: "Choose at least one tier." });
  if (p.visibility === "product" && !p.productId)
    throw unprocessable("Choose the product whose buyers can read this.", { productId: "Choose a product." });
  await validateOfferings(env, creatorId, {
    tierIds: p.visibility === "tiers" ? p.tierIds : [],
    productId: p.visibility === "product" ? (p.productId ?? null) : null,
    appId: p.appId ?? null,
  });
  return p;
}

/** Creates a draft. Returns its id and slug. */
export async function createPost(env: Env, viewer: Viewer, input: unknown, cover?: File | null) {
  await requireVerifiedEmail(env, viewer); // D61: publishing and selling wait for a verified address
  const creator = await requireCreator(env, viewer);
  const p = await parsePost(env, creator.userId, input);
  let slug: string;
  if (p.slug) {
    if (await findPostBySlug(env, creator.userId, p.slug))
      throw conflict("You already have a post with that slug.", { slug: "You already have a post with that slug." });
    slug = p.slug;
  } else slug = await uniqueSlug(env, creator.userId, slugify(p.title));
  const coverKey =
    cover && cover.size > 0 ? await putPublicImage(env, "cover", creator.userId, await readImageUpload(cover, "cover")) : null;
  const now = nowSeconds();
  const id = newId();
  await getDb(env)
    .insert(posts)
    .values({
      id,
      creatorId: creator.userId,
      slug,
      title: p.title,
      bodyMarkdown: p.body,
      excerpt: p.excerpt || null,
      ...listFields({ bodyMarkdown: p.body, excerpt: p.excerpt || null, visibility: p.visibility }),
      coverKey,
      appId: p.appId ?? null,
      visibility: p.visibility,
      tierIds: p.visibility === "tiers" ? p.tierIds : [],
      productId: p.visibility === "product" ? (p.productId ?? null) : null,
      status: "draft",
      createdAt: now,
      updatedAt: now,
    });
  return { id, slug };
}

/** Edits a post. A published post stays published (edits bump the storefront version). */
export async function updatePost(env: Env, viewer: Viewer, postId: string, input: unknown, cover?: File | null) {
  const { post, creator } = await requireOwnedPost(env, viewer, postId);
  // A field the request doesn't carry keeps its stored value (no body wiped, no visibility reset to public).
  const p = await parsePost(
    env,
    post.creatorId,
    overStored(input, {
      title: post.title,
      slug: post.slug,
      body: post.bodyMarkdown,
      excerpt: post.excerpt ?? "",
      visibility: post.visibility,
      tierIds: post.tierIds,
      productId: post.productId ?? "",
      appId: post.appId ?? "",
    }),
  );
  const slug = p.slug ?? post.slug;
  if (slug !== post.slug && (await findPostBySlug(env, post.creatorId, slug))) {
    throw conflict("You already have a post with that slug.", { slug: "You already have a post with that slug." });
  }
  const coverKey =
    cover && cover.size > 0 ? await putPublicImage(env, "cover", post.creatorId, await readImageUpload(cover, "cover")) : undefined;
  const db = getDb(env);
  const text = { title: p.title, bodyMarkdown: p.body, excerpt: p.excerpt || null, visibility: p.visibility };
  await db.batch([
    db
      .update(posts)
      .set({
        slug,
        ...text,
        ...listFields(text),
        appId: p.appId ?? null,
        tierIds: p.visibility === "tiers" ? p.tierIds : [],
        productId: p.visibility === "product" ? (p.productId ?? null) : null,
        ...(coverKey ? { coverKey } : {}),
        updatedAt: nowSeconds(),
      })
      .where(eq(posts.id, post.id)),
    // A published post is searchable by its new public text at once (a draft's row stays absent).
    ...reindexPostStatements(db, post.id, text),
    bumpStorefront(env, creator.userId),
    // A published post's feed entry and notifications link to its (possibly new) address.
    db
      .update(activities)
      .set({ url: postPath(creator.handle, slug) })
      .where(eq(activities.id, post.id)),
    db
      .update(notifications)
      .set({ link: postPath(creator.handle, slug) })
      .where(and(eq(notifications.subjectId, post.id), eq(notifications.kind, "new_post"))),
  ]);
  if (coverKey) await deleteMedia(env, [post.coverKey]);
  return { id: post.id, slug };
}

const bumpStorefront = (env: Env, creatorId: string) =>
  getDb(env)
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creatorId));

/** Publishes now: visible at its URL, listed, fanned out to followers' feeds, emailed. */
/** A post an admin hid from the moderation queue stays a draft until an admin unhides it (decision 121). */
async function assertNotHeld(env: Env, postId: string) {
  if (await isHeld(env, "post", postId))
    throw forbidden("An admin hid this post after a report; it can't be published again. Contact support.");
}

export async function publishPost(env: Env, viewer: Viewer, postId: string) {
  await requireVerifiedEmail(env, viewer); // D61: publishing and selling wait for a verified address
  const { post, creator } = await requireOwnedPost(env, viewer, postId);
  await assertNotHeld(env, post.id);
  return publishOwnedPost(env, post, creator);
}

async function publishOwnedPost(env: Env, post: PostRow, creator: CreatorRow) {
  if (!post.title.trim()) throw unprocessable("Give your post a title before publishing.");
  const now = nowSeconds();
  const publishedAt = post.publishedAt ?? now;
  const db = getDb(env);
  await db.batch([
    db.update(posts).set({ status: "published", publishAt: null, publishedAt, updatedAt: now }).where(eq(posts.id, post.id)),
    ...reindexPostStatements(db, post.id, post),
    bumpStorefront(env, creator.userId),
  ]);
  const url = postPath(creator.handle, post.slug);
  const delivery = await publishActivity(env, postActivity(post, creator, publishedAt), { notify: true });
  // Creators' webhooks: once per post (its first publication time is the key); never the gated text.
  await emitCreatorEvent(
    env,
    creator.userId,
    "post.published",
    {
      post: {
        id: post.id,
        slug: post.slug,
        title: post.title,
        visibility: post.visibility,
        url: publicUrl(env, url),
        published_at: publishedAt,
      },
    },
    `${post.id}:${publishedAt}`,
  );
  return { url, delivery };
}

/** A published post's feed activity (one per post, keyed by its id, at its first publication time). */
function postActivity(post: PostRow, creator: CreatorRow, publishedAt: number) {
  return {
    id: post.id,
    creatorId: creator.userId,
    kind: "post" as const,
    subjectId: post.id,
    title: `${creator.displayName} posted “${post.title}”`,
    summary: teaserOf(post),
    url: postPath(creator.handle, post.slug),
    publishedAt,
  };
}

/**
 * An admin unhid a post that was published when they hid it (decision 121 retracted its feed
 * entries): the activity goes back through the same fan-out as publishing, at the post's original
 * time, so followers' feeds hold it again in its old place. No bell notification or email is sent
 * again. Idempotent: the activity row is inserted once (keyed by the post's id), only that insert
 * enqueues a fan-out, and the fan-out itself inserts each (follower, activity) once.
 */
export async function restorePostActivity(env: Env, postId: string) {
  const post = await findPostById(env, postId);
  if (!post || post.status !== "published") return null;
  const creator = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, post.creatorId) });
  if (!creator) return null;
  return publishActivity(env, postActivity(post, creator, post.publishedAt ?? nowSeconds()), { notify: false });
}

/** Schedules publication; the cron publishes it when the time comes. */
/** Validates the schedule fields (publishAt, tzOffset) and returns the publish time in epoch seconds. */
export function parseScheduleTime(input: unknown): number {
  const s = parseOrThrow(ScheduleInput, input);
  const at = Math.floor(Date.parse(`${s.publishAt.length === 16 ? s.publishAt + ":00" : s.publishAt}Z`) / 1000) + s.tzOffset * 60;
  if (!Number.isFinite(at)) throw unprocessable("Choose a date and time.", { publishAt: "Choose a date and time." });
  if (at <= nowSeconds() + 30) throw unprocessable("Choose a time in the future.", { publishAt: "Choose a time in the future." });
  if (at > nowSeconds() + 366 * 86400)
    throw unprocessable("Schedule at most a year ahead.", { publishAt: "Schedule at most a year ahead." });
  return at;
}

export async function schedulePost(env: Env, viewer: Viewer, postId: string, input: unknown) {
  const { post, creator } = await requireOwnedPost(env, viewer, postId);
  if (post.status === "published") throw conflict("This post is already published. Unpublish it first to schedule it.");
  await assertNotHeld(env, post.id);
  const at = parseScheduleTime(input);
  await getDb(env).update(posts).set({ status: "scheduled", publishAt: at, updatedAt: nowSeconds() }).where(eq(posts.id, post.id));
  void creator;
  await env.POST_SCHEDULER.getByName("global").wake(at);
  return { publishAt: at };
}

/** Back to draft: gone from the storefront, from search (trigger), from every feed, and from notifications. */
export async function unpublishPost(env: Env, viewer: Viewer, postId: string) {
  const { post, creator } = await requireOwnedPost(env, viewer, postId);
  const db = getDb(env);
  await db.batch([
    db.update(posts).set({ status: "draft", publishAt: null, updatedAt: nowSeconds() }).where(eq(posts.id, post.id)),
    bumpStorefront(env, creator.userId),
  ]);
  await retractActivity(env, post.id);
}

/** Deletes the post, its search entry (trigger), feed entries, notifications and cover image. */
export async function deletePost(env: Env, viewer: Viewer, postId: string) {
  const { post, creator } = await requireOwnedPost(env, viewer, postId);
  await retractActivity(env, post.id);
  const db = getDb(env);
  await db.batch([db.delete(posts).where(eq(posts.id, post.id)), bumpStorefront(env, creator.userId)]);
  await deleteMedia(env, [post.coverKey]);
}

/** Uploads an image for use inside a post body; returns its URL and a Markdown snippet. */
export async function uploadPostImage(env: Env, viewer: Viewer, source: ReadableStream<Uint8Array> | File | null) {
  const creator = await requireCreator(env, viewer);
  const key = await putPublicImage(env, "cover", creator.userId, await readImageUpload(source, "cover"));
  const url = mediaUrl(key)!;
  return { url, markdown: `![](${url})` };
}

/** Cron: publishes scheduled posts whose time has come. Idempotent (status guard). */
export async function publishDuePosts(env: Env, now = nowSeconds()) {
  const due = await listDuePosts(env, now);
  let published = 0;
  for (const { id } of due) {
    const post = await findPostById(env, id);
    if (!post || post.status !== "scheduled") continue;
    const creator = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, post.creatorId) });
    if (!creator) continue;
    await publishOwnedPost(env, post, creator);
    published++;
  }
  return { published };
}

/** The earliest publish time among scheduled posts (the scheduler's next alarm), or null. */
export async function nextPublishAt(env: Env): Promise<number | null> {
  const [row] = await getDb(env)
    .select({ at: sql<number | null>`min(${posts.publishAt})` })
    .from(posts)
    .where(eq(posts.status, "scheduled"));
  return row?.at ?? null;
}
