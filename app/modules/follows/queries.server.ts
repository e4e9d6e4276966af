import { and, desc, eq, lt, or, sql, type Placeholder, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "~/lib/cursor";
import { getDb, type Db } from "~/lib/db.server";
import { creators } from "~/modules/storefronts/schema";
import { creatorStats, follows } from "./schema";

export const PAGE_SIZE = 30;

/** Batchable: the mirrored follower count of one creator. */
export const followerCountQuery = (db: Db, creatorId: string | SQL) =>
  db.select({ n: creatorStats.followerCount }).from(creatorStats).where(eq(creatorStats.creatorId, creatorId));

/** Batchable: whether `viewerId` follows `creatorId` (D1 edge). */
export const isFollowingQuery = (db: Db, creatorId: string | SQL, viewerId: string | Placeholder | SQL) =>
  db
    .select({ at: follows.createdAt })
    .from(follows)
    .where(and(eq(follows.creatorId, creatorId), eq(follows.followerId, viewerId)));

export async function followerCount(env: Env, creatorId: string): Promise<number> {
  return (await followerCountQuery(getDb(env), creatorId))[0]?.n ?? 0;
}

export async function countFollowEdges(env: Env, creatorId: string): Promise<number> {
  const [{ n }] = await getDb(env)
    .select({ n: sql<number>`count(*)` })
    .from(follows)
    .where(eq(follows.creatorId, creatorId));
  return n;
}

type PageCursor = { t: number; id: string };
const isPageCursor = (v: unknown): v is PageCursor =>
  !!v && typeof v === "object" && typeof (v as PageCursor).t === "number" && typeof (v as PageCursor).id === "string";

export type PersonRow = { userId: string; handle: string | null; displayName: string | null; avatarKey: string | null; since: number };

/** Followers of a creator, newest first (keyset on created_at, follower_id). */
export async function listFollowers(env: Env, creatorId: string, rawCursor: string | null) {
  const cursor = decodeCursor(rawCursor, isPageCursor);
  const rows = await getDb(env)
    .select({
      userId: follows.followerId,
      handle: creators.handle,
      displayName: creators.displayName,
      avatarKey: creators.avatarKey,
      since: follows.createdAt,
    })
    .from(follows)
    .leftJoin(creators, eq(creators.userId, follows.followerId))
    .where(
      and(
        eq(follows.creatorId, creatorId),
        cursor ? or(lt(follows.createdAt, cursor.t), and(eq(follows.createdAt, cursor.t), lt(follows.followerId, cursor.id))) : undefined,
      ),
    )
    .orderBy(desc(follows.createdAt), desc(follows.followerId))
    .limit(PAGE_SIZE + 1);
  return page(rows, (r) => ({ t: r.since, id: r.userId }), rawCursor !== null && !cursor);
}

/** Creators a user follows, newest first. */
export async function listFollowing(env: Env, userId: string, rawCursor: string | null) {
  const cursor = decodeCursor(rawCursor, isPageCursor);
  const rows = await getDb(env)
    .select({
      userId: follows.creatorId,
      handle: creators.handle,
      displayName: creators.displayName,
      avatarKey: creators.avatarKey,
      since: follows.createdAt,
    })
    .from(follows)
    .innerJoin(creators, eq(creators.userId, follows.creatorId))
    .where(
      and(
        eq(follows.followerId, userId),
        cursor ? or(lt(follows.createdAt, cursor.t), and(eq(follows.createdAt, cursor.t), lt(follows.creatorId, cursor.id))) : undefined,
      ),
    )
    .orderBy(desc(follows.createdAt), desc(follows.creatorId))
    .limit(PAGE_SIZE + 1);
  return page(rows, (r) => ({ t: r.since, id: r.userId }), rawCursor !== null && !cursor);
}

function page<T>(rows: T[], key: (r: T) => PageCursor, badCursor: boolean) {
  const more = rows.length > PAGE_SIZE;
  const items = more ? rows.slice(0, PAGE_SIZE) : rows;
  return { items, nextCursor: more ? encodeCursor(key(items[items.length - 1])) : null, badCursor };
}

/** Keyset page of D1 follower ids in id order (for reconcile). */
export async function followerIdPage(env: Env, creatorId: string, after: string, limit = 1000): Promise<string[]> {
  const rows = await getDb(env)
    .select({ id: follows.followerId })
    .from(follows)
    .where(and(eq(follows.creatorId, creatorId), sql`${follows.followerId} > ${after}`))
    .orderBy(follows.followerId)
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Keyset page of creator ids (for reconcile). */
export async function creatorIdPage(env: Env, after: string, limit = 200): Promise<string[]> {
  const rows = await getDb(env)
    .select({ id: creators.userId })
    .from(creators)
    .where(sql`${creators.userId} > ${after}`)
    .orderBy(creators.userId)
    .limit(limit);
  return rows.map((r) => r.id);
}

/** The creators a person follows, by id, keyset-paged (D1 edges). */
export async function followedCreatorIds(env: Env, userId: string, after: string, limit = 200): Promise<string[]> {
  const rows = await getDb(env)
    .select({ id: follows.creatorId })
    .from(follows)
    .where(and(eq(follows.followerId, userId), sql`${follows.creatorId} > ${after}`))
    .orderBy(follows.creatorId)
    .limit(limit);
  return rows.map((r) => r.id);
}
