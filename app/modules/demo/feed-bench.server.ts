/**
 * Development-only helpers for the feed benchmark (`tools/bench/feed.mjs`), behind
 * POST /dev/bench-feed (404 unless APP_ENV=development). Every request is bounded: at most 10,000
 * followers or 50 creators per call, generated set-based in SQL (a recursive CTE), so the
 * statements carry a handful of bound parameters whatever the size.
 *
 * Bench followers are written straight into D1 `follows` (+ the mirrored count in creator_stats),
 * NOT through the creator's Durable Object: 100,000 DO follows would take longer than the fan-out
 * being measured. The DO's own count is therefore not seeded (the reconcile tool would say so).
 * Their email preference is "none", so the bench measures feed fan-out, not the dev mailbox.
 */
import * as v from "valibot";
import { notFound } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import { startSessions } from "~/modules/identity/auth.server";
import { makeCreator } from "~/modules/demo/factories.server";
import { createPost, publishPost } from "~/modules/posts/service.server";
import { feedConfig } from "~/modules/feed/config";

const Op = v.variant("op", [
  v.object({ op: v.literal("creator") }),
  v.object({
    op: v.literal("followers"),
    creatorId: v.string(),
    tag: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,12}$/)),
    from: v.pipe(v.number(), v.integer(), v.minValue(0)),
    count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)),
  }),
  v.object({ op: v.literal("publish"), creatorId: v.string(), title: v.string() }),
  v.object({ op: v.literal("progress"), creatorId: v.string(), postId: v.string() }),
  v.object({
    op: v.literal("reader"),
    tag: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,12}$/)),
    from: v.pipe(v.number(), v.integer(), v.minValue(0)),
    creators: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)),
    readerId: v.optional(v.string()),
    postsEach: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(5)),
  }),
  v.object({ op: v.literal("session"), userId: v.string() }),
  v.object({ op: v.literal("feedSize"), userId: v.string() }),
]);

const SEQ = `WITH RECURSIVE seq(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2)`;

async function bulkFollowers(env: Env, creatorId: string, tag: string, from: number, count: number) {
  const now = nowSeconds();
  const to = from + count - 1;
  const id = `printf('bf-%s-%07d', ?3, n)`;
  await env.DB.batch([
    env.DB.prepare(
      `${SEQ} INSERT OR IGNORE INTO users (id, email, password_hash, is_admin, created_at) SELECT ${id}, printf('bf-%s-%07d@bench.test', ?3, n), 'disabled', 0, ?4 FROM seq`,
    ).bind(from, to, tag, now),
    env.DB.prepare(`${SEQ} INSERT OR IGNORE INTO email_preferences (user_id, mode, updated_at) SELECT ${id}, 'none', ?4 FROM seq`).bind(
      from,
      to,
      tag,
      now,
    ),
    env.DB.prepare(`${SEQ} INSERT OR IGNORE INTO follows (follower_id, creator_id, created_at) SELECT ${id}, ?4, ?5 FROM seq`).bind(
      from,
      to,
      tag,
      creatorId,
      now,
    ),
    env.DB.prepare(
      `INSERT INTO creator_stats (creator_id, follower_count, follow_seq) VALUES (?1, (SELECT count(*) FROM follows WHERE creator_id = ?1), 0)
      ON CONFLICT(creator_id) DO UPDATE SET follower_count = excluded.follower_count`,
    ).bind(creatorId),
  ]);
  const row = await env.DB.prepare("SELECT follower_count AS n FROM creator_stats WHERE creator_id = ?")
    .bind(creatorId)
    .first<{ n: number }>();
  return { followers: row?.n ?? 0 };
}

/** `creators` creators (users + creator rows, set-based), each followed by `readerId`, each publishing `postsEach` posts through the real publish path. */
async function readerCreators(env: Env, tag: string, from: number, creators: number, readerId: string, postsEach: number) {
  const now = nowSeconds();
  const to = from + creators - 1;
  const id = `printf('bc-%s-%05d', ?3, n)`;
  await env.DB.batch([
    env.DB.prepare(
      `${SEQ} INSERT OR IGNORE INTO users (id, email, password_hash, is_admin, created_at) SELECT ${id}, printf('bc-%s-%05d@bench.test', ?3, n), 'disabled', 0, ?4 FROM seq`,
    ).bind(from, to, tag, now),
    env.DB.prepare(
      `${SEQ} INSERT OR IGNORE INTO creators (user_id, handle, display_name, bio_markdown, links, version, created_at, updated_at) SELECT ${id}, printf('bc-%s-%05d', ?3, n), printf('Bench Creator %d', n), '', '{}', 1, ?4, ?4 FROM seq`,
    ).bind(from, to, tag, now),
    env.DB.prepare(`${SEQ} INSERT OR IGNORE INTO follows (follower_id, creator_id, created_at) SELECT ?4, ${id}, ?5 FROM seq`).bind(
      from,
      to,
      tag,
      readerId,
      now,
    ),
  ]);
  let published = 0;
  for (let n = from; n <= to; n++) {
    const cid = `bc-${tag}-${String(n).padStart(5, "0")}`;
    const viewer = { id: cid, email: `${cid}@bench.test`, isAdmin: false };
    for (let k = 0; k < postsEach; k++) {
      const vis = (["public", "followers"] as const)[(n + k) % 2];
      const { id: postId } = await createPost(env, viewer, {
        title: `Build log ${n}.${k}: shipping the agent`,
        body: `Progress this week on agent ${n}.\n\n<!-- paywall -->\n\nThe detailed numbers for week ${k}.`,
        visibility: vis,
        excerpt: `What changed in week ${k}.`,
      });
      await publishPost(env, viewer, postId);
      published++;
    }
  }
  return { published };
}

export async function benchFeed(env: Env, input: unknown) {
  if (env.APP_ENV !== "development") throw notFound("Not found");
  const p = parseOrThrow(Op, input);
  switch (p.op) {
    case "creator": {
      const c = await makeCreator(env, { displayName: "Fan-out Bench Creator" });
      return { creatorId: c.id, handle: c.handle, config: feedConfig(env) };
    }
    case "followers":
      return bulkFollowers(env, p.creatorId, p.tag, p.from, p.count);
    case "publish": {
      const { id } = await createPost(
        env,
        { id: p.creatorId, email: "", isAdmin: false },
        { title: p.title, body: "A post for the fan-out benchmark.", visibility: "public" },
      );
      const r = await publishPost(env, { id: p.creatorId, email: "", isAdmin: false }, id);
      return { postId: id, delivery: r.delivery };
    }
    case "progress": {
      const [delivered, followers, missed, notified, notifiedTwice] = await env.DB.batch<{ n: number }>([
        env.DB.prepare("SELECT count(*) AS n FROM feed_items WHERE activity_id = ?").bind(p.postId),
        env.DB.prepare("SELECT count(*) AS n FROM follows WHERE creator_id = ?").bind(p.creatorId),
        env.DB.prepare(
          "SELECT count(*) AS n FROM follows f WHERE f.creator_id = ?1 AND NOT EXISTS (SELECT 1 FROM feed_items fi WHERE fi.user_id = f.follower_id AND fi.activity_id = ?2)",
        ).bind(p.creatorId, p.postId),
        env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE subject_id = ? AND kind = 'new_post'").bind(p.postId),
        env.DB.prepare(
          "SELECT count(*) AS n FROM (SELECT user_id FROM notifications WHERE subject_id = ? AND kind = 'new_post' GROUP BY user_id HAVING count(*) > 1)",
        ).bind(p.postId),
      ]);
      const [dups] = await env.DB.batch<{ n: number }>([
        env.DB.prepare(
          "SELECT count(*) AS n FROM (SELECT user_id FROM feed_items WHERE activity_id = ? GROUP BY user_id HAVING count(*) > 1)",
        ).bind(p.postId),
      ]);
      const n = (r: D1Result<{ n: number }>) => Number(r.results[0]?.n ?? 0);
      return {
        delivered: n(delivered),
        followers: n(followers),
        missed: n(missed),
        duplicates: n(dups),
        notified: n(notified),
        notifiedTwice: n(notifiedTwice),
      };
    }
    case "reader": {
      const readerId = p.readerId ?? `br-${p.tag}-${newId(6)}`;
      if (!p.readerId) {
        // Email off, so the background email queue doesn't compete with the /feed measurement.
        await env.DB.batch([
          env.DB.prepare("INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES (?, ?, 'disabled', 0, ?)").bind(
            readerId,
            `${readerId}@bench.test`,
            nowSeconds(),
          ),
          env.DB.prepare("INSERT INTO email_preferences (user_id, mode, updated_at) VALUES (?, 'none', ?)").bind(readerId, nowSeconds()),
        ]);
      }
      return { readerId, ...(await readerCreators(env, p.tag, p.from, p.creators, readerId, p.postsEach)) };
    }
    case "feedSize": {
      const row = await env.DB.prepare("SELECT count(*) AS n FROM feed_items WHERE user_id = ?").bind(p.userId).first<{ n: number }>();
      return { items: row?.n ?? 0 };
    }
    case "session":
      return { cookie: (await startSessions(env, [p.userId]))[0] };
  }
}
