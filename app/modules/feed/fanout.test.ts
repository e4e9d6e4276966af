import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { eq, fillPlaceholders, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../../workers/index";
import { getDb } from "~/lib/db.server";
import { app } from "~/test/http";
import { makeApp, makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { updateApp } from "~/modules/apps/service.server";
import { followCreator } from "~/modules/follows/service.server";
import { unpublishPost } from "~/modules/posts/service.server";
import { notifications } from "~/modules/notifications/schema";
import { activities, feedItems } from "./schema";
import { processFanoutPage } from "./service.server";
import { feedQueries } from "~/pages/feed.server";
import { newId } from "~/lib/ids";
import type { FanoutMessage } from "./messages";

/** An env whose queues record what is sent instead of delivering it, so tests drive each page. */
function capturingEnv(overrides: Record<string, string> = {}) {
  const fanout: FanoutMessage[] = [];
  const emails: unknown[] = [];
  const e = {
    ...env,
    ...overrides,
    FANOUT_QUEUE: {
      send: async (m: FanoutMessage) => void fanout.push(m),
      sendBatch: async (ms: { body: FanoutMessage }[]) => void fanout.push(...ms.map((m) => m.body)),
    },
    EMAIL_QUEUE: {
      send: async (m: unknown) => void emails.push(m),
      sendBatch: async (ms: { body: unknown }[]) => void emails.push(...ms.map((m) => m.body)),
    },
  } as unknown as Env;
  return { env: e, fanout, emails };
}

async function creatorWithFollowers(n: number) {
  const c = await makeCreator(env);
  const followers = [];
  for (let i = 0; i < n; i++) {
    const u = await makeUser(env);
    await followCreator(env, u.viewer, c.handle);
    followers.push(u);
  }
  return { c, followers };
}

const itemsOf = (activityId: string) => getDb(env).select().from(feedItems).where(eq(feedItems.activityId, activityId));

describe("fan-out on write", () => {
  it("pages followers by keyset (page size 3 in tests), enqueues the next page, reaches everyone once", async () => {
    const { c, followers } = await creatorWithFollowers(8);
    const cap = capturingEnv();
    const post = await makePost(cap.env, c, { title: "Paged" });
    expect(cap.fanout).toEqual([{ type: "fanout", activityId: post.id, creatorId: c.id, after: null, notify: true }]);
    // Drive the chain by hand: 8 followers / 3 per page = 3 pages, each enqueuing the next.
    let pages = 0;
    while (cap.fanout.length) {
      const msg = cap.fanout.shift()!;
      const r = await processFanoutPage(cap.env, msg);
      pages++;
      expect(r.followers).toBeLessThanOrEqual(3);
    }
    expect(pages).toBe(3);
    const rows = await itemsOf(post.id);
    expect(rows.map((r) => r.userId).sort()).toEqual(followers.map((f) => f.id).sort());
    // Email messages carry every follower once.
    const emailed = cap.emails.flatMap((m) => (m as { userIds: string[] }).userIds);
    expect(emailed.sort()).toEqual(followers.map((f) => f.id).sort());
  });

  it("handles several pages per message when configured (bounded work, fewer queue hops)", async () => {
    const { c, followers } = await creatorWithFollowers(8);
    const cap = capturingEnv({ FANOUT_PAGES_PER_MESSAGE: "2" });
    const post = await makePost(cap.env, c);
    const first = await processFanoutPage(cap.env, cap.fanout.shift()!);
    expect(first).toMatchObject({ followers: 6, pages: 2 });
    expect(cap.fanout).toHaveLength(1);
    const second = await processFanoutPage(cap.env, cap.fanout.shift()!);
    expect(second).toMatchObject({ followers: 2, pages: 1, next: null });
    expect(cap.fanout).toHaveLength(0);
    expect((await itemsOf(post.id)).map((r) => r.userId).sort()).toEqual(followers.map((f) => f.id).sort());
  });

  it("is safe to run twice: a redelivered page adds no duplicates (consumer via createMessageBatch)", async () => {
    const { c, followers } = await creatorWithFollowers(4);
    const cap = capturingEnv();
    const post = await makePost(cap.env, c);
    const first = cap.fanout[0];
    const batch = createMessageBatch("allthrive-fanout", [
      { id: "a", timestamp: new Date(), attempts: 1, body: first },
      { id: "b", timestamp: new Date(), attempts: 2, body: first },
    ]);
    const ctx = createExecutionContext();
    await (worker.queue as unknown as (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>)(batch, cap.env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["a", "b"]);
    expect(result.retryMessages).toEqual([]);
    // Process every page twice more.
    for (const m of [...cap.fanout]) {
      await processFanoutPage(cap.env, m);
      await processFanoutPage(cap.env, m);
    }
    const rows = await itemsOf(post.id);
    expect(rows).toHaveLength(followers.length);
    const notes = await getDb(env).select().from(notifications).where(eq(notifications.subjectId, post.id));
    expect(notes).toHaveLength(followers.length);
  });

  it("a malformed message is retried (then dead-lettered), never half-applied", async () => {
    const batch = createMessageBatch("allthrive-fanout", [{ id: "bad", timestamp: new Date(), attempts: 1, body: { type: "fanout" } }]);
    const ctx = createExecutionContext();
    await (worker.queue as unknown as (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>)(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["bad"]);
  });

  it("unpublishing removes the post from every feed and notification, even from pages still in flight", async () => {
    const { c, followers } = await creatorWithFollowers(5);
    const cap = capturingEnv();
    const post = await makePost(cap.env, c);
    const firstPage = cap.fanout.shift()!;
    await processFanoutPage(cap.env, firstPage);
    expect((await itemsOf(post.id)).length).toBe(3);
    await unpublishPost(cap.env, c.viewer, post.id);
    expect(await itemsOf(post.id)).toHaveLength(0);
    // The next page arrives after the unpublish: it must insert nothing.
    for (const m of cap.fanout) await processFanoutPage(cap.env, m);
    expect(await itemsOf(post.id)).toHaveLength(0);
    const feed = await (await app("/feed", { cookie: await followers[0].cookie() })).text();
    expect(feed).not.toContain(post.title);
  });

  it("caps each stored feed (oldest trimmed)", async () => {
    const { c, followers } = await creatorWithFollowers(1);
    const cap = capturingEnv({ FEED_CAP: "10" });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const p = await makePost(cap.env, c, { title: `Post ${i}` });
      ids.push(p.id);
      // distinct publish times so "oldest" is well defined
      await getDb(env).run(sql`UPDATE activities SET published_at = ${1_000_000 + i} WHERE id = ${p.id}`);
      while (cap.fanout.length) await processFanoutPage(cap.env, cap.fanout.shift()!);
    }
    const rows = await getDb(env).select().from(feedItems).where(eq(feedItems.userId, followers[0].id));
    expect(rows).toHaveLength(10);
    expect(rows.map((r) => r.activityId)).not.toContain(ids[0]);
    expect(rows.map((r) => r.activityId)).not.toContain(ids[1]);
  });

  it("creators above the threshold are merged at read time (no stored items), and the feed still shows them", async () => {
    const { c, followers } = await creatorWithFollowers(2);
    const cap = capturingEnv({ FANOUT_THRESHOLD: "1" });
    const post = await makePost(cap.env, c, { title: "Big creator post" });
    while (cap.fanout.length) await processFanoutPage(cap.env, cap.fanout.shift()!);
    expect(await itemsOf(post.id)).toHaveLength(0);
    expect(cap.emails.length).toBeGreaterThan(0); // big creators still email their followers
    const feed = await (await app("/feed", { cookie: await followers[1].cookie() })).text();
    expect(feed).toContain("Big creator post");
  });
});

describe("the /feed page", () => {
  it("shows followed creators' posts newest first with a cursor, and needs sign-in", async () => {
    expect((await app("/feed")).status).toBe(302);
    const { c, followers } = await creatorWithFollowers(1);
    const cap = capturingEnv();
    for (let i = 0; i < 23; i++) {
      const p = await makePost(cap.env, c, { title: `Entry number ${i}` });
      await getDb(env).run(sql`UPDATE activities SET published_at = ${2_000_000 + i} WHERE id = ${p.id}`);
      while (cap.fanout.length) await processFanoutPage(cap.env, cap.fanout.shift()!);
    }
    const cookie = await followers[0].cookie();
    const first = await (await app("/feed", { cookie })).text();
    expect(first.indexOf("Entry number 22")).toBeLessThan(first.indexOf("Entry number 21"));
    expect(first).not.toContain("Entry number 2<");
    const next = first.match(/\/feed\?cursor=([\w-]+)/)![1];
    const second = await (await app(`/feed?cursor=${next}`, { cookie })).text();
    expect(second).toContain("Entry number 2<");
    expect(second).not.toContain("Entry number 22");
    // A garbage cursor is the first page, not an error.
    expect((await app("/feed?cursor=%%%", { cookie })).status).toBe(200);
  });
});

describe("reading a feed page", () => {
  it("shows a followed creator's new app, its status change and a post, each with its own text and link", async () => {
    const c = await makeCreator(env, { displayName: "Ada Appmaker" });
    const reader = await makeUser(env);
    await followCreator(env, reader.viewer, c.handle);
    const name = `Tidy ${newId(5)}`;
    const tagline = `Sorts ${newId(6)} receipts for you.`;
    const a = await makeApp(env, c, { name, tagline, status: "beta" });
    await updateApp(env, c.viewer, a.slug, {
      name,
      slug: a.slug,
      tagline,
      description: "An app.",
      appUrl: "https://example.com/app",
      demoVideoUrl: "",
      category: "other",
      techStack: "OpenAI",
      status: "live",
    });
    await makePost(env, c, { title: "Week one of Tidy", excerpt: "What shipped this week.", visibility: "public" });
    const cookie = await reader.cookie();
    let html = "";
    for (let i = 0; i < 100 && !(html.includes("Week one of Tidy") && html.includes("is now live") && html.includes("launched")); i++) {
      html = await (await app("/feed", { cookie })).text();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(html).toContain("New app");
    expect(html).toContain(`Ada Appmaker launched ${name}`);
    expect(html).toContain("App update");
    expect(html).toContain(`${name} is now live`);
    expect(html).toContain(tagline);
    expect(html).toContain(`href="/apps/${a.slug}"`);
    expect(html).toContain(`href="/@${c.handle}"`);
    // The post's card: its own title, teaser and link (not the activity's "… posted …" line).
    expect(html).toContain("What shipped this week.");
    expect(html).toContain(`href="/@${c.handle}/posts/week-one-of-tidy"`);
    expect(html).not.toContain("posted “Week one of Tidy”");
  });

  it("reads the rows it shows, not every activity of the creators followed (D1 bills and waits per row read)", async () => {
    const reader = await makeUser(env);
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 2; i++) {
      const c = await makeCreator(env);
      // The follow's feed backfill is left out: this reader's stored feed holds just the two posts.
      await followCreator({ ...env, FANOUT_QUEUE: { send: async () => {} } } as unknown as Env, reader.viewer, c.handle);
      await makePost(env, c, { title: `Followed ${i}` });
      // A long history of fanned-out ("push") activities: the read-time merge only wants "pull" ones.
      const history = Array.from({ length: 200 }, (_, k) => ({
        id: newId(),
        creatorId: c.id,
        kind: "app_status" as const,
        subjectId: newId(),
        title: "x",
        url: "/x",
        publishedAt: now - 1000 - k,
      }));
      for (let k = 0; k < history.length; k += 10)
        await getDb(env)
          .insert(activities)
          .values(history.slice(k, k + 10));
    }
    const values = { user: reader.id, t: Number.MAX_SAFE_INTEGER, id: "" };
    const queries = feedQueries(env, 20) as unknown as { getQuery(): { sql: string; params: unknown[] } }[];
    let read: number[] = [];
    for (let i = 0; i < 100; i++) {
      const results = await env.DB.batch(
        queries.map((q) => env.DB.prepare(q.getQuery().sql).bind(...fillPlaceholders(q.getQuery().params, values))),
      );
      read = results.map((r) => Number(r.meta.rows_read));
      if (results[0].results.length === 2) break; // both posts fanned out to the reader by the queue
      await new Promise((r) => setTimeout(r, 50));
    }
    // A scan of the followed creators' activities would read 400+ rows in a statement.
    for (const n of read) expect(n, `rows read per statement: ${read.join(", ")}`).toBeLessThan(60);
  });
});
