import { notFound } from "~/lib/errors";
import { mediaUrl } from "~/modules/media/service.server";
import { findCreatorByHandle } from "~/modules/storefronts/queries.server";
import { listFollowers, listFollowing, type PersonRow } from "./queries.server";

const present = (r: PersonRow) => ({
  userId: r.userId,
  handle: r.handle,
  displayName: r.displayName,
  avatarUrl: mediaUrl(r.avatarKey),
  since: r.since,
});

/** Data for /@handle/followers and /@handle/following. */
export async function getPeoplePage(env: Env, rawHandle: string, which: "followers" | "following", cursor: string | null) {
  if (!rawHandle.startsWith("@")) throw notFound();
  const creator = await findCreatorByHandle(env, rawHandle.slice(1));
  if (!creator) throw notFound(`There's no creator called ${rawHandle} on All Thrive (yet).`);
  const page = which === "followers" ? await listFollowers(env, creator.userId, cursor) : await listFollowing(env, creator.userId, cursor);
  return {
    creator: { handle: creator.handle, displayName: creator.displayName },
    people: page.items.map(present),
    nextCursor: page.nextCursor,
    badCursor: page.badCursor,
  };
}
