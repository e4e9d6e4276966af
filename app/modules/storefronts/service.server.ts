import { eq, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { markdownExcerpt, renderMarkdown } from "~/lib/markdown.server";
import { overStored, parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { deleteMedia, mediaUrl, putPublicImage, readImageUpload } from "~/modules/media/service.server";
import { findCreatorByHandle, findCreatorByUserId, handleHeld } from "./queries.server";
import { creators, type CreatorLinks } from "./schema";
import { BecomeCreatorInput, ProfileInput } from "./validation";

/** Claims a handle for the viewer, turning them into a creator with a storefront. */
export async function becomeCreator(env: Env, viewer: Viewer, input: unknown) {
  const db = getDb(env);
  const { handle, displayName } = parseOrThrow(BecomeCreatorInput, input);
  if (await findCreatorByUserId(env, viewer.id)) throw conflict("You already have a storefront.");
  const taken = "That handle is taken. Please choose another.";
  const now = nowSeconds();
  if (await handleHeld(env, handle, now)) throw conflict(taken, { handle: taken });
  try {
    await db.insert(creators).values({ userId: viewer.id, handle, displayName, createdAt: now, updatedAt: now });
  } catch (e) {
    if (String(e).includes("UNIQUE")) throw conflict(taken, { handle: taken });
    throw e;
  }
  return { handle };
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
