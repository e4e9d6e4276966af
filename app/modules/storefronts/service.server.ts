import { eq, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, isUniqueViolation, notFound, tooManyRequests, unprocessable } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { markdownExcerpt, renderMarkdown } from "~/lib/markdown.server";
import { overStored, parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { requireVerifiedEmail } from "~/modules/identity/verified.server";
import { deleteMedia, mediaUrl, putPublicImage, readImageUpload } from "~/modules/media/service.server";
import {
  currentHandleFor,
  findCreatorByHandle,
  findCreatorByUserId,
  findLiveHandleRedirect,
  renameHandle,
  handleHeld,
} from "./queries.server";
import { creators, type CreatorLinks } from "./schema";
import { BecomeCreatorInput, ChangeHandleInput, ProfileInput } from "./validation";

/** Claims a handle for the viewer, turning them into a creator with a storefront. */
export async function becomeCreator(env: Env, viewer: Viewer, input: unknown) {
  await requireVerifiedEmail(env, viewer); // D61: publishing and selling wait for a verified address
  const db = getDb(env);
  const { handle, displayName } = parseOrThrow(BecomeCreatorInput, input);
  if (await findCreatorByUserId(env, viewer.id)) throw conflict("You already have a storefront.");
  const taken = "That handle is taken. Please choose another.";
  const now = nowSeconds();
  // Held: by any creator (a suspended one too) or reserved after a deletion (D68); a renamed
  // storefront's old handle stays its owner's (D62).
  if (await handleHeld(env, handle, now)) throw conflict(taken, { handle: taken });
  await assertNotReservedForOthers(env, viewer.id, handle);
  try {
    await db.insert(creators).values({ userId: viewer.id, handle, displayName, createdAt: now, updatedAt: now });
  } catch (e) {
    if (String(e).includes("UNIQUE")) throw conflict(taken, { handle: taken });
    throw e;
  }
  return { handle };
}

// ── Handle changes (D62) ────────────────────────────────────────────────────────────────────────

const DAY = 86_400;
export const HANDLE_REDIRECT_DAYS = 90;
export const HANDLE_CHANGE_EVERY_DAYS = 30;
const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);

/** A handle someone renamed away from stays theirs (and redirects) for 90 days. */
async function assertNotReservedForOthers(env: Env, userId: string, handle: string) {
  const held = await findLiveHandleRedirect(env, handle);
  if (held && held.userId !== userId) {
    const msg = `That handle was in use until recently and is reserved until ${day(held.expiresAt)}. Please choose another.`;
    throw conflict(msg, { handle: msg });
  }
}

/**
 * Renames the viewer's storefront. At most once per 30 days (429 with the date it opens again).
 * The old handle 301-redirects (every `/@old/...` address) to the new one for 90 days and nobody
 * else may claim it meanwhile; its owner may take it back (at any time: that undoes a rename).
 */
export async function changeHandle(env: Env, viewer: Viewer, input: unknown) {
  const { handle } = parseOrThrow(ChangeHandleInput, input);
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw notFound("Open your storefront first.");
  if (handle === creator.handle) throw unprocessable("That is already your handle.", { handle: "That is already your handle." });
  const now = nowSeconds();
  // Taking back a handle of one's own that is still reserved undoes a rename: not rate-limited.
  const takingBack = (await findLiveHandleRedirect(env, handle))?.userId === viewer.id;
  if (!takingBack && creator.handleChangedAt && now - creator.handleChangedAt < HANDLE_CHANGE_EVERY_DAYS * DAY) {
    const opens = creator.handleChangedAt + HANDLE_CHANGE_EVERY_DAYS * DAY;
    throw tooManyRequests(
      `You can change your handle once every ${HANDLE_CHANGE_EVERY_DAYS} days. You can change it again on ${day(opens)}.`,
      opens - now,
    );
  }
  const taken = "That handle is taken. Please choose another.";
  if (await handleHeld(env, handle, now)) throw conflict(taken, { handle: taken });
  await assertNotReservedForOthers(env, viewer.id, handle);
  try {
    await renameHandle(env, viewer.id, creator.handle, handle, HANDLE_REDIRECT_DAYS * DAY);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(taken, { handle: taken });
    throw e;
  }
  return { handle, previous: creator.handle };
}

/**
 * `/@old/...` → the same address under the person's current handle, while the old one is
 * reserved (90 days). Null for anything else. Asked only after a page answered 404, so live
 * storefronts never pay for it.
 */
export async function handleRedirectLocation(env: Env, url: URL): Promise<string | null> {
  // A client-side navigation asks for the page's data (`/@old.data`, `/@old/posts/x.data`): the
  // answer names the page, which Remix then asks for again under the new handle.
  const page = url.pathname.endsWith(".data") ? url.pathname.slice(0, -".data".length) : url.pathname;
  const m = /^\/@([a-z0-9-]{3,30})(\/.*)?$/i.exec(page);
  if (!m) return null;
  const current = await currentHandleFor(env, m[1]);
  if (!current || current === m[1].toLowerCase()) return null;
  const search = new URLSearchParams(url.search);
  search.delete("_routes");
  const query = search.toString();
  return `/@${current}${m[2] ?? ""}${query ? `?${query}` : ""}`;
}

/** Loads the creator behind `handle` and checks the viewer may edit it (owner or admin). */
async function requireOwnedCreator(env: Env, viewer: Viewer, handle: string) {
  const creator = await findCreatorByHandle(env, handle);
  if (!creator) throw notFound("That storefront doesn't exist.");
  if (creator.userId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only edit your own storefront.");
  return creator;
}

/** Updates display name, bio and links. Bumps the storefront version (cache key). */
export async function updateProfile(env: Env, viewer: Viewer, handle: string, input: unknown) {
  const creator = await requireOwnedCreator(env, viewer, handle);
  // A field the request doesn't carry keeps its stored value (a missing link or bio is not erased).
  const p = parseOrThrow(ProfileInput, overStored(input, { displayName: creator.displayName, bio: creator.bioMarkdown, ...creator.links }));
  const links: CreatorLinks = {};
  for (const k of ["website", "x", "github", "linkedin", "youtube"] as const) if (p[k]) links[k] = p[k];
  await getDb(env)
    .update(creators)
    .set({ displayName: p.displayName, bioMarkdown: p.bio ?? "", links, updatedAt: nowSeconds(), version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creator.userId));
}

/** Validates and stores a new avatar, then removes the old one from R2. */
export async function setAvatar(env: Env, viewer: Viewer, handle: string, source: ReadableStream<Uint8Array> | File | null) {
  const creator = await requireOwnedCreator(env, viewer, handle);
  const image = await readImageUpload(source, "avatar");
  const key = await putPublicImage(env, "avatar", creator.userId, image);
  await getDb(env)
    .update(creators)
    .set({ avatarKey: key, updatedAt: nowSeconds(), version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creator.userId));
  await deleteMedia(env, [creator.avatarKey]);
  return { avatarUrl: mediaUrl(key)! };
}

export type StorefrontCreator = {
  userId: string;
  handle: string;
  displayName: string;
  bioHtml: string;
  bioExcerpt: string;
  avatarUrl: string | null;
  links: CreatorLinks;
  version: number;
};

export function presentCreator(c: typeof creators.$inferSelect): StorefrontCreator {
  return {
    userId: c.userId,
    handle: c.handle,
    displayName: c.displayName,
    bioHtml: renderMarkdown(c.bioMarkdown),
    bioExcerpt: markdownExcerpt(c.bioMarkdown),
    avatarUrl: mediaUrl(c.avatarKey),
    links: c.links ?? {},
    version: c.version,
  };
}
