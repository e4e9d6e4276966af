/**
 * D1 side of the follow graph: applies a CreatorGraph outbox chunk to D1 in ONE batch (atomic).
 * Idempotent and order-safe: only the last op per follower matters for the edge, the count is the
 * DO's absolute value guarded by the outbox sequence, and the trending delta is applied only when
 * the chunk is newer than what D1 has seen — so replaying a chunk after a crash changes nothing.
 */
import { and, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "~/lib/db.server";
import { apps } from "~/modules/apps/schema";
import { SIGNAL_WEIGHTS, trendingIncrement } from "~/lib/trending";
import { sendAnalyticsMessagesQuietly } from "~/modules/analytics/collect.server";
import { creatorStats, follows } from "./schema";

/** Idempotent edge insert that skips followers whose account no longer exists (so the outbox never jams). */
const insertEdge = (db: Db, followerId: string, creatorId: string, at: number) =>
  db
    .insert(follows)
    .select(sql`SELECT ${followerId}, ${creatorId}, ${at} WHERE EXISTS (SELECT 1 FROM users WHERE id = ${followerId})`)
    .onConflictDoNothing();

export type FollowOp = { seq: number; op: "follow" | "unfollow"; follower_id: string; at: number; count_after: number };

export async function applyFollowOps(env: Env, creatorId: string, ops: FollowOp[]): Promise<void> {
  if (!ops.length) return;
  const db = getDb(env);
  const lastPerFollower = new Map<string, FollowOp>();
  let trendingDelta = 0;
  for (const op of ops) {
    lastPerFollower.set(op.follower_id, op);
    trendingDelta += (op.op === "follow" ? 1 : -1) * trendingIncrement(SIGNAL_WEIGHTS.follow, op.at);
  }
  const { seq: maxSeq, count_after: count } = ops[ops.length - 1];
  const edgeWrites = [...lastPerFollower.values()].map((op) =>
    op.op === "follow"
      ? insertEdge(db, op.follower_id, creatorId, op.at)
      : db.delete(follows).where(and(eq(follows.creatorId, creatorId), eq(follows.followerId, op.follower_id))),
  );
  await db.batch([
    // Trending first: it checks the sequence before the stats row below moves it forward.
    db
      .update(apps)
      .set({ trendingScore: sql`${apps.trendingScore} + ${trendingDelta}` })
      .where(
        and(
          eq(apps.creatorId, creatorId),
          sql`COALESCE((SELECT ${creatorStats.followSeq} FROM ${creatorStats} WHERE ${creatorStats.creatorId} = ${creatorId}), 0) < ${maxSeq}`,
        ),
      ),
    ...edgeWrites,
    db
      .insert(creatorStats)
      .values({ creatorId, followerCount: count, followSeq: maxSeq })
      .onConflictDoUpdate({
        target: creatorStats.creatorId,
        set: { followerCount: sql`excluded.follower_count`, followSeq: sql`excluded.follow_seq` },
        setWhere: sql`excluded.follow_seq > ${creatorStats.followSeq}`,
      }),
  ]);
  // Followers gained / lost per day (D91): one analytics message per op, keyed by the DO's outbox
  // sequence, so a replayed chunk is counted once. An unfollow op's `at` is when the follow began
  // (for the trending take-back), so the loss is dated now.
  const now = Date.now();
  await sendAnalyticsMessagesQuietly(
    env,
    ops.map((op) => ({
      id: `follow:${creatorId}:${op.seq}`,
      events: [{ type: op.op, at: op.op === "follow" ? op.at * 1000 : now, creatorId }],
    })),
  );
}

/** Reconcile repair: makes D1 match the DO (the source of truth) for one creator, in bounded batches. */
export async function repairFollowEdges(
  env: Env,
  creatorId: string,
  missing: { userId: string; createdAt: number }[],
  extra: string[],
  count: number,
): Promise<void> {
  const db = getDb(env);
  const writes = [
    ...missing.map((m) => insertEdge(db, m.userId, creatorId, m.createdAt)),
    ...extra.map((id) => db.delete(follows).where(and(eq(follows.creatorId, creatorId), eq(follows.followerId, id)))),
  ];
  for (let i = 0; i < writes.length; i += 50) {
    const chunk = writes.slice(i, i + 50);
    await db.batch(chunk as [(typeof chunk)[number], ...(typeof chunk)[number][]]);
  }
  await db
    .insert(creatorStats)
    .values({ creatorId, followerCount: count, followSeq: 0 })
    .onConflictDoUpdate({ target: creatorStats.creatorId, set: { followerCount: count } });
}
