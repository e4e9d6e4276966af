import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { bulkUsers } from "~/modules/demo/bulk.server";
import { countFollowEdges, followerCount } from "./queries.server";
import { creatorGraph, followCreator, reconcileFollows, unfollowCreator } from "./service.server";
import { getDb } from "~/lib/db.server";
import { follows } from "./schema";
import { and, eq } from "drizzle-orm";

const follow = (handle: string, cookie: string, intent = "follow", js = true) =>
  postForm(`/@${handle}/follow`, { intent, redirectTo: `/@${handle}`, ...(js ? { js: "1" } : {}) }, { cookie });

describe("following a creator", () => {
  it("follows and unfollows, idempotently, and the storefront shows the count", async () => {
    const c = await makeCreator(env);
    const fan = await makeUser(env);
    const cookie = await fan.cookie();
    const first = await follow(c.handle, cookie);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ following: true, count: 1 });
    expect(await (await follow(c.handle, cookie)).json()).toMatchObject({ following: true, count: 1 }); // twice = once
    expect(await countFollowEdges(env, c.id)).toBe(1);
    expect(await (await app(`/@${c.handle}`)).text()).toContain("1 follower");
    expect(await (await app(`/@${c.handle}/followers`)).text()).toContain("An All Thrive member");
    expect(await (await follow(c.handle, cookie, "unfollow")).json()).toMatchObject({ following: false, count: 0 });
    expect(await (await follow(c.handle, cookie, "unfollow")).json()).toMatchObject({ following: false, count: 0 });
    expect(await countFollowEdges(env, c.id)).toBe(0);
  });

  it("works as a plain form without JavaScript (redirects back)", async () => {
    const c = await makeCreator(env);
    const fan = await makeCreator(env);
    const res = await follow(c.handle, await fan.cookie(), "follow", false);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe(`/@${c.handle}`);
    expect(await (await app(`/@${fan.handle}/following`)).text()).toContain(`/@${c.handle}`);
  });

  it("refuses self-follows and unknown creators with a clear message; anonymous is sent to log in", async () => {
    const c = await makeCreator(env);
    const self = await follow(c.handle, await c.cookie());
    expect(self.status).toBe(422);
    expect(await self.text()).toContain("You can't follow yourself");
    await expect(followCreator(env, c.viewer, c.handle)).rejects.toMatchObject({ status: 422 });
    expect(await followerCount(env, c.id)).toBe(0);
    expect((await follow("nobody-here-x", await c.cookie())).status).toBe(404);
    const anon = await postForm(`/@${c.handle}/follow`, { intent: "follow" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("Location")).toContain("/login");
  });

  it("200 parallel follow/unfollow calls leave the DO count equal to the D1 edges and the mirrored count", async () => {
    const c = await makeCreator(env);
    const ids = await bulkUsers(env, 100, "par");
    const viewers = ids.map((id) => ({ id, email: `${id}@x.test`, isAdmin: false }));
    await Promise.all([
      ...viewers.map((v) => followCreator(env, v, c.handle)),
      ...viewers.slice(0, 50).map((v) => unfollowCreator(env, v, c.handle)),
    ]);
    const graph = creatorGraph(env, c.id);
    await graph.flush();
    const summary = await graph.summary();
    expect(summary.count).toBe(summary.rows);
    expect(summary.pending).toBe(0);
    expect(await countFollowEdges(env, c.id)).toBe(summary.count);
    expect(await followerCount(env, c.id)).toBe(summary.count);
    expect(summary.count).toBeGreaterThanOrEqual(50);
    expect((await reconcileFollows(env, { creatorId: c.id })).drifted).toEqual([]);
  });
});

describe("durable object ⇄ D1 convergence and reconcile", () => {
  it("an outbox left behind is delivered by the alarm", async () => {
    const c = await makeCreator(env);
    const fan = await makeUser(env);
    const graph = creatorGraph(env, c.id);
    // Record a follow inside the object without draining, as if it was evicted mid-request.
    await runInDurableObject(graph, async (_instance, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('creator_id', ?)", c.id);
      state.storage.sql.exec("INSERT INTO followers (user_id, created_at) VALUES (?, ?)", fan.id, 1_800_000_000);
      state.storage.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('count', 1)");
      state.storage.sql.exec("INSERT INTO outbox (op, follower_id, at, count_after) VALUES ('follow', ?, ?, 1)", fan.id, 1_800_000_000);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await countFollowEdges(env, c.id)).toBe(0);
    expect(await runDurableObjectAlarm(graph)).toBe(true);
    expect(await countFollowEdges(env, c.id)).toBe(1);
    expect(await followerCount(env, c.id)).toBe(1);
  });

  it("reconcile reports drift and repairs D1 from the DO; only admins may run it", async () => {
    const c = await makeCreator(env);
    const [a, b] = await Promise.all([makeUser(env), makeUser(env)]);
    await followCreator(env, a.viewer, c.handle);
    await followCreator(env, b.viewer, c.handle);
    // Break D1 behind the DO's back.
    await getDb(env)
      .delete(follows)
      .where(and(eq(follows.creatorId, c.id), eq(follows.followerId, a.id)));
    const report = await reconcileFollows(env, { creatorId: c.id });
    expect(report.drifted).toHaveLength(1);
    expect(report.drifted[0]).toMatchObject({ doCount: 2, d1Edges: 1, missingInD1: 1 });
    await reconcileFollows(env, { creatorId: c.id, repair: true });
    expect(await countFollowEdges(env, c.id)).toBe(2);
    expect((await reconcileFollows(env, { creatorId: c.id })).drifted).toEqual([]);

    const admin = await makeUser(env, { isAdmin: true });
    expect((await postForm("/admin/reconcile-follows.json", { handle: c.handle }, { cookie: await a.cookie() })).status).toBe(403);
    const ok = await postForm("/admin/reconcile-follows.json", { handle: c.handle }, { cookie: await admin.cookie() });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ checked: 1, drifted: [] });
  });

  it("admins get a reconcile page with Check and Repair buttons; the page form shows the result", async () => {
    const c = await makeCreator(env);
    const fan = await makeUser(env);
    await followCreator(env, fan.viewer, c.handle);
    await getDb(env)
      .delete(follows)
      .where(and(eq(follows.creatorId, c.id), eq(follows.followerId, fan.id)));
    const admin = await makeUser(env, { isAdmin: true });
    const adminCookie = await admin.cookie();

    expect((await app("/admin/reconcile-follows")).headers.get("Location")).toMatch(/^\/login/);
    expect((await app("/admin/reconcile-follows", { cookie: await fan.cookie() })).status).toBe(403);
    const page = await app("/admin/reconcile-follows", { cookie: adminCookie });
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("Reconcile follows");
    expect(html).toMatch(/<button[^>]*>Check<\/button>/);
    expect(html).toMatch(/<button[^>]*>Repair<\/button>/);

    const check = await postForm("/admin/reconcile-follows", { handle: c.handle, repair: "" }, { cookie: adminCookie });
    expect(check.status).toBe(200);
    expect(check.headers.get("Content-Type")).toContain("text/html");
    const checked = await check.text();
    expect(checked).toContain("Checked 1 creator(s)");
    expect(checked).toContain("1 drifted");
    expect(checked).toContain(c.id);
    expect(await countFollowEdges(env, c.id)).toBe(0);

    const repair = await postForm("/admin/reconcile-follows", { handle: c.handle, repair: "1" }, { cookie: adminCookie });
    expect(await repair.text()).toContain("repaired");
    expect(await countFollowEdges(env, c.id)).toBe(1);

    // The CLI path (npm run reconcile) still gets JSON.
    const cli = await postForm("/admin/reconcile-follows.json", { handle: c.handle }, { cookie: adminCookie });
    expect(cli.headers.get("Content-Type")).toContain("application/json");
    expect(await cli.json()).toMatchObject({ checked: 1, drifted: [] });
  });
});
