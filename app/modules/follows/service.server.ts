import { emitCreatorEvent } from "~/modules/webhooks/emit.server";
import { forbidden, notFound, unprocessable } from "~/lib/errors";
import type { Viewer } from "~/modules/identity/auth.server";
import { findCreatorByHandle, findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { creatorIdPage, followedCreatorIds, followerCount, followerIdPage } from "./queries.server";
import { repairFollowEdges } from "./sync.server";
import { notify } from "~/modules/notifications/service.server";
import { enqueueBackfill } from "~/modules/feed/service.server";

/** The creator's CreatorGraph Durable Object (one per creator, named by user id). */
export const creatorGraph = (env: Env, creatorId: string) => env.CREATOR_GRAPH.getByName(creatorId);

async function target(env: Env, handle: string) {
  const creator = await findCreatorByHandle(env, handle.replace(/^@/, ""));
  if (!creator) throw notFound("That creator doesn't exist.");
  return creator;
}

/** Follows a creator. Idempotent: following twice is one follow. You can't follow yourself (422). */
export async function followCreator(env: Env, viewer: Viewer, handle: string) {
  const creator = await target(env, handle);
  if (creator.userId === viewer.id) throw unprocessable("You can't follow yourself.");
  const r = await creatorGraph(env, creator.userId).follow(creator.userId, viewer.id);
  // A new follow: the creator's recent items reach this reader's feed through the fan-out queue.
  // A failed enqueue doesn't undo the follow (their next posts still arrive).
  if (r.changed)
    await enqueueBackfill(env, viewer.id, creator.userId).catch((e) =>
      console.warn(`feed backfill for ${viewer.id} ← ${creator.userId} not enqueued: ${e instanceof Error ? e.message : String(e)}`),
    );
  // Notifications: tell the creator (once per follower, however often they re-follow).
  if (r.following) {
    const fan = await findCreatorByUserId(env, viewer.id);
    // Creators' webhooks: a new follow edge (a re-follow after unfollowing is a new one); the
    // follower's public storefront name only when they have one, never their email.
    if (r.changed)
      await emitCreatorEvent(
        env,
        creator.userId,
        "follower.created",
        { follower: { id: viewer.id, handle: fan?.handle ?? null, name: fan?.displayName ?? null }, follower_count: r.count },
        `${viewer.id}:${r.count}:${Date.now()}`,
      );
    const who = fan ? `${fan.displayName} (@${fan.handle})` : "A new member";
    await notify(env, {
      userId: creator.userId,
      kind: "new_follower",
      subjectId: viewer.id,
      actorId: viewer.id,
      actorName: fan ? who : null,
      message: `${who} started following you`,
      link: `/@${creator.handle}/followers`,
      groupKey: "followers",
      groupLabel: null,
    });
  }
  return { handle: creator.handle, following: r.following, count: r.count };
}

export async function unfollowCreator(env: Env, viewer: Viewer, handle: string) {
  const creator = await target(env, handle);
  const r = await creatorGraph(env, creator.userId).unfollow(creator.userId, viewer.id);
  return { handle: creator.handle, following: r.following, count: r.count };
}

export type CreatorDrift = {
  creatorId: string;
  doCount: number;
  doRows: number;
  d1Count: number;
  d1Edges: number;
  missingInD1: number;
  extraInD1: number;
  repaired: boolean;
};

async function* pages<T>(fetch: (after: string) => Promise<T[]>, idOf: (t: T) => string) {
  let after = "";
  for (;;) {
    const page = await fetch(after);
    if (!page.length) return;
    yield* page;
    after = idOf(page[page.length - 1]);
  }
}

/** Compares one creator's DO follow set with the D1 edges (a sorted merge, paged on both sides). */
export async function reconcileCreator(env: Env, creatorId: string, repair: boolean): Promise<CreatorDrift> {
  const graph = creatorGraph(env, creatorId);
  await graph.flush(); // deliver anything still in the outbox before comparing
  const summary = await graph.summary();
  const doIter = pages(
    (after) => graph.followerPage(after, 1000),
    (r) => r.userId,
  );
  const d1Iter = pages(
    (after) => followerIdPage(env, creatorId, after, 1000),
    (id) => id,
  );
  const missing: { userId: string; createdAt: number }[] = [];
  const extra: string[] = [];
  let d1Edges = 0;
  let a = await doIter.next();
  let b = await d1Iter.next();
  while (!a.done || !b.done) {
    if (b.done || (!a.done && a.value.userId < b.value)) {
      missing.push(a.value!);
      a = await doIter.next();
    } else if (a.done || b.value < a.value.userId) {
      extra.push(b.value);
      d1Edges++;
      b = await d1Iter.next();
    } else {
      d1Edges++;
      a = await doIter.next();
      b = await d1Iter.next();
    }
  }
  const d1Count = await followerCount(env, creatorId);
  const drift = missing.length > 0 || extra.length > 0 || summary.count !== summary.rows || d1Count !== summary.rows;
  if (drift && repair) {
    const rows = await graph.repairCount();
    await repairFollowEdges(env, creatorId, missing, extra, rows);
  }
  return {
    creatorId,
    doCount: summary.count,
    doRows: summary.rows,
    d1Count,
    d1Edges,
    missingInD1: missing.length,
    extraInD1: extra.length,
    repaired: drift && repair,
  };
}

/** Reconciles every creator (or one). Reports only creators that drifted, plus totals. */
export async function reconcileFollows(env: Env, opts: { repair?: boolean; creatorId?: string } = {}) {
  const drifted: CreatorDrift[] = [];
  let checked = 0;
  const check = async (id: string) => {
    checked++;
    const d = await reconcileCreator(env, id, !!opts.repair);
    if (d.missingInD1 || d.extraInD1 || d.doCount !== d.doRows || d.d1Count !== d.doRows) drifted.push(d);
  };
  if (opts.creatorId) await check(opts.creatorId);
  else
    for await (const id of pages(
      (after) => creatorIdPage(env, after),
      (id) => id,
    ))
      await check(id);
  return { checked, drifted, ok: drifted.length === 0 || !!opts.repair };
}

/** Admin entry point for reconcile (403 for everyone else). */
export async function reconcileFollowsAsAdmin(env: Env, viewer: Viewer, opts: { repair?: boolean; handle?: string }) {
  if (!viewer.isAdmin) throw forbidden("Only admins can reconcile follows.");
  let creatorId: string | undefined;
  if (opts.handle) creatorId = (await target(env, opts.handle)).userId;
  return reconcileFollows(env, { repair: opts.repair, creatorId });
}

/**
 * Ends every follow this person has (account deletion): through each creator's Durable Object, so
 * counts and D1 edges stay exact. Hidden creators included (they are found by id, not handle).
 */
export async function unfollowEveryone(env: Env, userId: string) {
  let after = "";
  for (;;) {
    const ids = await followedCreatorIds(env, userId, after, 200);
    if (!ids.length) return;
    for (const creatorId of ids) await creatorGraph(env, creatorId).unfollow(creatorId, userId);
    after = ids[ids.length - 1];
  }
}
