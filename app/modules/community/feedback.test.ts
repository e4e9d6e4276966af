import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeApp, makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { bulkUsers } from "~/modules/demo/bulk.server";
import { startSessions } from "~/modules/identity/auth.server";
import { countVoteRows } from "./queries.server";
import { fileReport, moderateReport, unhideContent } from "./moderation.server";
import { followCreator } from "~/modules/follows/service.server";
import { processFanoutPage } from "~/modules/feed/service.server";
import type { FanoutMessage } from "~/modules/feed/messages";
import { publishPost } from "~/modules/posts/service.server";
import { setPublished } from "~/modules/apps/service.server";
import { queueFeedbackDigests } from "./digest.server";
import { waitForMail } from "~/test/mail";
import { SIGNAL_WEIGHTS, trendingIncrement } from "~/lib/trending";

let ipSeq = 0;
const freshIp = () => `10.66.${(++ipSeq >> 8) & 255}.${ipSeq & 255}`;

async function settledUser(opts: { isAdmin?: boolean } = {}) {
  const u = await makeUser(env, opts);
  await env.DB.prepare("UPDATE users SET created_at = created_at - 172800 WHERE id=?").bind(u.id).run();
  return u;
}

async function board() {
  const maker = await makeCreator(env);
  const a = await makeApp(env, maker);
  return { maker, slug: a.slug, name: a.name };
}

const file = (slug: string, fields: Record<string, string>, cookie?: string) =>
  postForm(`/apps/${slug}/feedback?index`, { intent: "file", ...fields }, { cookie, headers: { "CF-Connecting-IP": freshIp() } });
const onItem = (slug: string, id: string, fields: Record<string, string>, cookie?: string, ip = freshIp()) =>
  postForm(`/apps/${slug}/feedback/${id}`, fields, { cookie, headers: { "CF-Connecting-IP": ip } });
const itemIdOf = (res: Response) => res.headers.get("Location")!.split("/").pop()!;
const votesOf = async (id: string) =>
  (await env.DB.prepare("SELECT vote_count AS n FROM feedback_items WHERE id=?").bind(id).first<{ n: number }>())!.n;

describe("the feedback board", () => {
  it("a visitor files an idea; the maker is notified and sets it planned; voters are notified once", async () => {
    const { maker, slug } = await board();
    const visitor = await settledUser();
    const res = await file(slug, { kind: "idea", title: "Dark mode please", body: "My *eyes*" }, await visitor.cookie());
    expect(res.status).toBe(303);
    const id = itemIdOf(res);
    const page = await (await app(`/apps/${slug}/feedback`)).text();
    expect(page).toContain("Dark mode please");
    expect(page).toContain(">Open<");
    const makerNote = await env.DB.prepare("SELECT message FROM notifications WHERE user_id=? AND kind='new_feedback'")
      .bind(maker.id)
      .first<{ message: string }>();
    expect(makerNote!.message).toContain("Dark mode please");

    expect((await onItem(slug, id, { intent: "vote" }, await visitor.cookie())).status).toBe(200);
    expect((await onItem(slug, id, { intent: "status", status: "planned" }, await visitor.cookie())).status).toBe(403);
    expect((await onItem(slug, id, { intent: "status", status: "planned" }, await (await makeCreator(env)).cookie())).status).toBe(403);
    expect((await onItem(slug, id, { intent: "status", status: "bogus" }, await maker.cookie())).status).toBe(422);
    expect((await onItem(slug, id, { intent: "status", status: "planned" }, await maker.cookie())).status).toBe(200);
    expect((await onItem(slug, id, { intent: "status", status: "planned" }, await maker.cookie())).status).toBe(200);
    const notes = await env.DB.prepare("SELECT message FROM notifications WHERE user_id=? AND kind='feedback_status'")
      .bind(visitor.id)
      .all<{ message: string }>();
    expect(notes.results.length).toBe(1);
    expect(notes.results[0].message).toContain("is now planned");
    expect(await (await app(`/apps/${slug}/feedback/${id}`)).text()).toContain('data-status="planned"');
    // The app's comments section (per viewer, not the cached page) carries the board's live totals.
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(slug).first<{ id: string }>())!.id;
    expect(await (await app(`/comments/app/${appId}`)).text()).toMatch(/1<!-- --> <!-- -->upvote<!-- --> on <!-- -->1<!-- --> feedback/);
  });

  it("validates and authorises filing: anonymous 401, unverified 403, short title 422, unknown app 404", async () => {
    const { slug } = await board();
    expect((await file(slug, { kind: "idea", title: "Anonymous idea" })).status).toBe(401);
    const unverified = await makeUser(env, { verified: false });
    expect((await file(slug, { kind: "idea", title: "Unverified idea" }, await unverified.cookie())).status).toBe(403);
    const u = await settledUser();
    const bad = await file(slug, { kind: "idea", title: "ab" }, await u.cookie());
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("at least 4 characters");
    expect((await file(slug, { kind: "rant", title: "A rant here" }, await u.cookie())).status).toBe(422);
    expect((await file("no-such-app-xyz", { kind: "idea", title: "Nowhere" }, await u.cookie())).status).toBe(404);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM feedback_items fi JOIN apps a ON a.id = fi.app_id WHERE a.slug=?")
      .bind(slug)
      .first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("500 concurrent upvotes from 250 people (each twice) count exactly 250", async () => {
    const { slug } = await board();
    const author = await settledUser();
    const id = itemIdOf(await file(slug, { kind: "bug", title: "Crash on save" }, await author.cookie()));
    const ids = await bulkUsers(env, 250, "voter");
    await env.DB.prepare(`UPDATE users SET email_verified_at = 1, created_at = created_at - 172800 WHERE email LIKE 'voter-%'`).run();
    const cookies = await startSessions(env, ids);
    const score = async () =>
      (await env.DB.prepare("SELECT trending_score AS s FROM apps WHERE slug=?").bind(slug).first<{ s: number }>())!.s;
    const weights = async () =>
      (await env.DB.prepare("SELECT coalesce(sum(trending_weight), 0) AS w FROM feedback_votes WHERE item_id=?")
        .bind(id)
        .first<{ w: number }>())!.w;
    const before = await score();
    const results = await Promise.all(
      [...cookies, ...cookies].map((c, i) => onItem(slug, id, { intent: "vote" }, c, `10.55.${i % 200}.${Math.floor(i / 200)}`)),
    );
    expect(results.filter((r) => r.status !== 200).length).toBe(0);
    expect(await countVoteRows(env, id)).toBe(250);
    expect(await votesOf(id)).toBe(250);
    // Trending rose by exactly the 250 votes' weights (a duplicate added nothing) …
    const close = (a: number, b: number) => expect(Math.abs(a - b) / Math.max(Math.abs(b), 1)).toBeLessThan(1e-9);
    expect(await weights()).toBeGreaterThan(0);
    close((await score()) - before, await weights());
    // … and 500 concurrent unvotes take back exactly that.
    await Promise.all(
      [...cookies, ...cookies].map((c, i) => onItem(slug, id, { intent: "unvote" }, c, `10.54.${i % 200}.${Math.floor(i / 200)}`)),
    );
    expect(await votesOf(id)).toBe(0);
    close(await score(), before);
  }, 240_000);

  it("merging a duplicate moves its votes (each voter once) and tells its voters once", async () => {
    const { maker, slug } = await board();
    const [a, b, c] = await Promise.all([settledUser(), settledUser(), settledUser()]);
    const keep = itemIdOf(await file(slug, { kind: "idea", title: "Export to CSV" }, await a.cookie()));
    const dup = itemIdOf(await file(slug, { kind: "idea", title: "CSV export please" }, await b.cookie()));
    await onItem(slug, keep, { intent: "vote" }, await a.cookie());
    await onItem(slug, dup, { intent: "vote" }, await a.cookie()); // a voted for both
    await onItem(slug, dup, { intent: "vote" }, await b.cookie());
    await onItem(slug, dup, { intent: "vote" }, await c.cookie());
    expect((await onItem(slug, dup, { intent: "merge", keepId: keep }, await a.cookie())).status).toBe(403);
    expect((await onItem(slug, dup, { intent: "merge", keepId: dup }, await maker.cookie())).status).toBe(422);
    const merged = await onItem(slug, dup, { intent: "merge", keepId: keep }, await maker.cookie());
    expect(merged.status).toBe(303);
    expect(await votesOf(keep)).toBe(3);
    expect(await votesOf(dup)).toBe(0);
    // Trending counts a voter of both once: the app's score is its publish signal plus exactly the kept votes' weights.
    const appRow = await env.DB.prepare("SELECT trending_score AS s, published_at AS p FROM apps WHERE slug=?")
      .bind(slug)
      .first<{ s: number; p: number }>();
    const kept = await env.DB.prepare(
      "SELECT coalesce(sum(trending_weight), 0) AS w, count(*) AS n FROM feedback_votes WHERE item_id IN (?, ?)",
    )
      .bind(keep, dup)
      .first<{ w: number; n: number }>();
    expect(kept!.n).toBe(3);
    const publish = trendingIncrement(SIGNAL_WEIGHTS.publish, appRow!.p);
    expect(Math.abs(appRow!.s - publish - kept!.w) / kept!.w).toBeLessThan(1e-9);
    const boardHtml = await (await app(`/apps/${slug}/feedback`)).text();
    expect(boardHtml).toContain("Export to CSV");
    expect(boardHtml).not.toContain("CSV export please");
    for (const u of [a, b, c]) {
      const n = await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE user_id=? AND subject_id=?")
        .bind(u.id, `merge:${dup}`)
        .first<{ n: number }>();
      expect(n!.n).toBe(1);
    }
    // A second merge of the same duplicate is refused; voting on it is refused too.
    expect((await onItem(slug, dup, { intent: "merge", keepId: keep }, await maker.cookie())).status).toBe(422);
    expect((await onItem(slug, dup, { intent: "vote" }, await c.cookie())).status).toBe(422);
  });

  it("comments on a feedback item use the same thread rules; the maker's replies are marked", async () => {
    const { maker, slug } = await board();
    const u = await settledUser();
    const id = itemIdOf(await file(slug, { kind: "question", title: "Does it work offline?" }, await u.cookie()));
    const c1 = await postForm(
      `/comments/feedback/${id}`,
      { intent: "comment", body: "Asking for a friend" },
      { cookie: await u.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
    );
    expect(c1.status).toBe(200);
    const c2 = await postForm(
      `/comments/feedback/${id}`,
      { intent: "comment", body: "Not yet — planned!" },
      { cookie: await maker.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
    );
    expect(c2.status).toBe(200);
    const html = await (await app(`/comments/feedback/${id}`)).text();
    expect(html).toContain("Asking for a friend");
    expect(html).toMatch(/Creator<\/span>/);
  });
});

describe("reports and the moderation queue", () => {
  it("reports of every kind (feedback item, post, app, profile) reach the queue with a link; a profile report points at its person", async () => {
    const { maker, slug } = await board();
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(slug).first<{ id: string }>())!.id;
    const author = await settledUser();
    const itemId = itemIdOf(await file(slug, { kind: "bug", title: "Reported feedback" }, await author.cookie()));
    const post = await makePost(env, maker, { title: "Reported post" });
    const reader = await settledUser();
    const admin = await settledUser({ isAdmin: true });
    const targets: [string, string, string][] = [
      ["feedback", itemId, `/apps/${slug}/feedback/${itemId}`],
      ["post", post.id, `/@${maker.handle}/posts/${post.slug}`],
      ["app", appId, `/apps/${slug}`],
      ["profile", maker.handle, `/@${maker.handle}`],
    ];
    for (const [targetType, targetId] of targets) {
      const res = await postForm(
        "/report",
        { targetType, targetId, reason: "other", note: `about this ${targetType}` },
        { cookie: await reader.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
      );
      expect(res.status, targetType).toBe(200);
    }
    const profile = await env.DB.prepare("SELECT target_id FROM reports WHERE target_type='profile' AND reporter_id=?")
      .bind(reader.id)
      .first<{ target_id: string }>();
    expect(profile!.target_id).toBe(maker.id);
    const queue = await (await app("/admin/moderation", { cookie: await admin.cookie() })).text();
    for (const [targetType, , link] of targets) {
      expect(queue, targetType).toContain(`about this ${targetType}`);
      expect(queue, targetType).toContain(link);
    }
  });

  it("hiding a reported post, app and profile takes them out of every public output (cache purged), holds them, and is reversible and logged", async () => {
    const maker = await makeCreator(env);
    const appRow = await makeApp(env, maker, { name: `Hideable ${Date.now().toString(36)}` });
    const post = await makePost(env, maker, { title: `Hideable post ${Date.now().toString(36)}` });
    const other = await makeCreator(env);
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(appRow.slug).first<{ id: string }>())!.id;
    const postUrl = `/@${maker.handle}/posts/${post.slug}`;
    const appUrl = `/apps/${appRow.slug}`;
    // Warm the edge cache: these pages are served from it before the hide.
    for (const path of [postUrl, appUrl, `/@${other.handle}`]) expect((await app(path)).status, path).toBe(200);
    const reader = await settledUser();
    for (const [targetType, targetId] of [
      ["post", post.id],
      ["app", appId],
      ["profile", other.handle],
    ])
      expect(
        (
          await postForm(
            "/report",
            { targetType, targetId, reason: "spam" },
            { cookie: await reader.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
          )
        ).status,
      ).toBe(200);
    const admin = await settledUser({ isAdmin: true });
    const ac = await admin.cookie();
    const reportIds = await env.DB.prepare("SELECT id, target_type AS t FROM reports WHERE reporter_id=?")
      .bind(reader.id)
      .all<{ id: string; t: string }>();
    for (const r of reportIds.results)
      expect((await postForm("/admin/moderation", { intent: "hide", reportId: r.id, reason: "spam" }, { cookie: ac })).status, r.t).toBe(
        200,
      );
    const outputs = async () => ({
      post: await app(postUrl),
      postData: await app(`${postUrl}.data`),
      app: await app(appUrl),
      profile: await app(`/@${other.handle}`),
      storefront: await (await app(`/@${maker.handle}`)).text(),
      rss: await (await app(`/@${maker.handle}/feed.xml`)).text(),
      discover: await (await app(`/discover?sort=new`)).text(),
      appSearch: await (await app(`/discover?q=${encodeURIComponent(appRow.name)}`)).text(),
      postSearch: await (await app(`/discover?in=posts&q=${encodeURIComponent(post.title)}`)).text(),
    });
    const hidden = await outputs();
    expect(hidden.post.status).toBe(404);
    expect(await hidden.postData.text()).not.toContain(post.title);
    expect(hidden.app.status).toBe(404);
    expect(hidden.profile.status).toBe(404);
    for (const k of ["storefront", "rss", "postSearch"] as const) expect(hidden[k], k).not.toContain(`/posts/${post.slug}`);
    for (const k of ["storefront", "discover", "appSearch"] as const) expect(hidden[k], k).not.toContain(`/apps/${appRow.slug}"`);
    // The owner can't put them back; every action is logged.
    await expect(publishPost(env, maker.viewer, post.id)).rejects.toMatchObject({ status: 403 });
    await expect(setPublished(env, maker.viewer, appRow.slug, true)).rejects.toMatchObject({ status: 403 });
    const logged = await env.DB.prepare("SELECT count(*) AS n FROM admin_actions WHERE action='hide-content' AND target_id IN (?, ?, ?)")
      .bind(post.id, appId, other.id)
      .first<{ n: number }>();
    expect(logged!.n).toBe(3);
    // Listed under "Hidden" and unhidden from there (logged): everything is back.
    const queue = await (await app("/admin/moderation", { cookie: ac })).text();
    for (const [t, id] of [
      ["post", post.id],
      ["app", appId],
      ["profile", other.id],
    ]) {
      expect(queue).toContain(`data-hidden="${t}:${id}"`);
      expect(
        (await postForm("/admin/moderation", { intent: "unhide", targetType: t, targetId: id, reason: "appeal upheld" }, { cookie: ac }))
          .status,
      ).toBe(200);
    }
    expect(
      (await postForm("/admin/moderation", { intent: "unhide", targetType: "post", targetId: post.id, reason: "again" }, { cookie: ac }))
        .status,
    ).toBe(404);
    const back = await outputs();
    expect(back.post.status).toBe(200);
    expect(back.app.status).toBe(200);
    expect(back.profile.status).toBe(200);
    expect(back.storefront).toContain(`/posts/${post.slug}`);
    expect(back.rss).toContain(`/posts/${post.slug}`);
    expect(back.appSearch).toContain(`/apps/${appRow.slug}"`);
    const unhidden = await env.DB.prepare(
      "SELECT count(*) AS n FROM admin_actions WHERE action='unhide-content' AND target_id IN (?, ?, ?)",
    )
      .bind(post.id, appId, other.id)
      .first<{ n: number }>();
    expect(unhidden!.n).toBe(3);
  });

  it("unhiding a post or app puts it back in followers' feeds once, at its old place, through the publishing fan-out", async () => {
    // Queues that record instead of delivering, so the test drives the fan-out (and re-runs it).
    const fanout: FanoutMessage[] = [];
    const emails: unknown[] = [];
    const cap = {
      ...env,
      FANOUT_QUEUE: { send: async (m: FanoutMessage) => void fanout.push(m) },
      EMAIL_QUEUE: { send: async (m: unknown) => void emails.push(m), sendBatch: async (ms: unknown[]) => void emails.push(...ms) },
    } as unknown as Env;
    const drain = async () => {
      const started = fanout.filter((m) => m.after === null);
      while (fanout.length) {
        const m = fanout.shift()!;
        await processFanoutPage(cap, m);
        if (m.after === null) await processFanoutPage({ ...cap, FANOUT_QUEUE: { send: async () => {} } } as unknown as Env, m); // delivered twice
      }
      return started;
    };
    const maker = await makeCreator(env);
    const followers = [await makeUser(env), await makeUser(env), await makeUser(env)];
    for (const f of followers) await followCreator(env, f.viewer, maker.handle);
    const post = await makePost(cap, maker, { title: `Feed restore ${Date.now().toString(36)}` });
    const { id: appId } = await makeApp(cap, maker);
    await drain();
    const feedRows = async () => {
      const rows = await env.DB.prepare(
        "SELECT activity_id AS a, count(*) AS n, min(published_at) AS t FROM feed_items WHERE activity_id IN (?, ?) GROUP BY activity_id",
      )
        .bind(post.id, `app:${appId}`)
        .all<{ a: string; n: number; t: number }>();
      return Object.fromEntries(rows.results.map((r) => [r.a === post.id ? "post" : "app", { n: r.n, t: r.t }]));
    };
    const before = await feedRows();
    expect(before.post.n).toBe(3);
    expect(before.app.n).toBe(3);
    // An admin hides both after reports: their feed entries are retracted.
    const reader = await settledUser();
    const admin = await settledUser({ isAdmin: true });
    for (const [targetType, targetId] of [
      ["post", post.id],
      ["app", appId],
    ]) {
      await fileReport(cap, reader.viewer, { targetType, targetId, reason: "spam" }, freshIp());
      const r = await env.DB.prepare("SELECT id FROM reports WHERE target_id=? AND status='open'").bind(targetId).first<{ id: string }>();
      await moderateReport(cap, admin.viewer, r!.id, "hide", "spam");
    }
    expect(await feedRows()).toEqual({});
    const emailsBefore = emails.length;
    // Two unhides of the post race: one restores it, the other finds nothing hidden; the app once.
    const raced = await Promise.allSettled([
      unhideContent(cap, admin.viewer, "post", post.id, "appeal upheld"),
      unhideContent(cap, admin.viewer, "post", post.id, "appeal upheld"),
    ]);
    expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(raced.find((r) => r.status === "rejected")).toMatchObject({ reason: { status: 404 } });
    await unhideContent(cap, admin.viewer, "app", appId, "appeal upheld");
    await expect(unhideContent(cap, admin.viewer, "app", appId, "again")).rejects.toMatchObject({ status: 404 });
    // One fan-out per item (no notifications), delivered twice: every follower has each once, at its old time.
    const sent = await drain();
    expect(sent.map((m) => [m.activityId, m.notify]).sort()).toEqual(
      [
        [post.id, false],
        [`app:${appId}`, false],
      ].sort(),
    );
    const after = await feedRows();
    expect(after.post).toEqual(before.post);
    const launched = await env.DB.prepare("SELECT published_at AS t FROM apps WHERE id=?").bind(appId).first<{ t: number }>();
    expect(after.app).toEqual({ n: 3, t: launched!.t });
    expect(emails.length).toBe(emailsBefore);
    const bells = await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE subject_id=? AND kind='new_post'")
      .bind(post.id)
      .first<{ n: number }>();
    expect(bells!.n).toBe(0);
    const feed = await (await app("/feed", { cookie: await followers[0].cookie() })).text();
    expect(feed).toContain(post.title);
  });

  it("a reader reports a comment; the admin sees it, hides it (logged) and the open count drops", async () => {
    const { maker, slug } = await board();
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(slug).first<{ id: string }>())!.id;
    const spammer = await settledUser();
    await postForm(
      `/comments/app/${appId}`,
      { intent: "comment", body: "Buy followers cheap" },
      { cookie: await spammer.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
    );
    const commentId = (await env.DB.prepare("SELECT id FROM comments WHERE author_id=?").bind(spammer.id).first<{ id: string }>())!.id;
    const reader = await settledUser();
    const report = (cookie?: string, fields: Record<string, string> = {}) =>
      postForm(
        "/report",
        { targetType: "comment", targetId: commentId, reason: "spam", note: "obvious", ...fields },
        { cookie, headers: { "CF-Connecting-IP": freshIp() } },
      );
    expect((await report()).status).toBe(401);
    expect((await report(await spammer.cookie())).status).toBe(422); // own content
    expect((await report(await reader.cookie(), { reason: "meh" })).status).toBe(422);
    expect((await report(await reader.cookie(), { targetId: "nothing000000" })).status).toBe(404);
    expect((await report(await reader.cookie())).status).toBe(200);
    expect((await report(await reader.cookie())).status).toBe(409);
    expect((await report(await maker.cookie())).status).toBe(200);

    const admin = await settledUser({ isAdmin: true });
    const ac = await admin.cookie();
    const home = await (await app("/admin", { cookie: ac })).text();
    const open = Number(/Open reports<\/div><div[^>]*>(\d+)</.exec(home)![1]);
    expect(open).toBeGreaterThanOrEqual(2);
    // Non-admins can't see or act on the queue.
    expect((await app("/admin/moderation", { cookie: await reader.cookie() })).status).toBe(403);
    const queue = await (await app("/admin/moderation", { cookie: ac })).text();
    expect(queue).toContain("Buy followers cheap");
    const reportId = (await env.DB.prepare("SELECT id FROM reports WHERE target_id=? LIMIT 1").bind(commentId).first<{ id: string }>())!.id;
    expect(
      (await postForm("/admin/moderation", { intent: "hide", reportId, reason: "spam" }, { cookie: await reader.cookie() })).status,
    ).toBe(403);
    expect((await postForm("/admin/moderation", { intent: "hide", reportId, reason: "spam" }, { cookie: ac })).status).toBe(200);
    expect(await (await app(`/comments/app/${appId}`)).text()).not.toContain("Buy followers cheap");
    // Both reports on that comment are closed by the one decision; it is logged.
    const still = await env.DB.prepare("SELECT count(*) AS n FROM reports WHERE target_id=? AND status='open'")
      .bind(commentId)
      .first<{ n: number }>();
    expect(still!.n).toBe(0);
    const home2 = await (await app("/admin", { cookie: ac })).text();
    expect(Number(/Open reports<\/div><div[^>]*>(\d+)</.exec(home2)![1])).toBe(open - 2);
    const log = await env.DB.prepare("SELECT action, admin_id AS adminId FROM admin_actions WHERE target_id=?")
      .bind(commentId)
      .first<{ action: string; adminId: string }>();
    expect(log).toMatchObject({ action: "hide-content", adminId: admin.id });
    expect((await postForm("/admin/moderation", { intent: "dismiss", reportId, reason: "x" }, { cookie: ac })).status).toBe(409);
  });

  it("suspending the author from a report hides their content and ends their sessions", async () => {
    const { slug } = await board();
    const bad = await settledUser();
    const badCookie = await bad.cookie();
    const id = itemIdOf(await file(slug, { kind: "idea", title: "Spammy spam item" }, badCookie));
    const reader = await settledUser();
    expect(
      (
        await postForm(
          "/report",
          { targetType: "feedback", targetId: id, reason: "spam" },
          { cookie: await reader.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
        )
      ).status,
    ).toBe(200);
    const admin = await settledUser({ isAdmin: true });
    const reportId = (await env.DB.prepare("SELECT id FROM reports WHERE target_id=?").bind(id).first<{ id: string }>())!.id;
    expect(
      (await postForm("/admin/moderation", { intent: "suspend", reportId, reason: "spammer" }, { cookie: await admin.cookie() })).status,
    ).toBe(200);
    expect(await (await app(`/apps/${slug}/feedback`)).text()).not.toContain("Spammy spam item");
    expect((await app("/settings", { cookie: badCookie })).status).toBe(302);
  });
});

describe("/discover: most upvoted this week", () => {
  it("orders apps by this week's upvotes from verified people; old votes and unverified voters don't count", async () => {
    const a = await board();
    const b = await board();
    const author = await settledUser();
    const ia = itemIdOf(await file(a.slug, { kind: "idea", title: "Idea for app A" }, await author.cookie()));
    const ib = itemIdOf(await file(b.slug, { kind: "idea", title: "Idea for app B" }, await author.cookie()));
    const voters = await Promise.all(Array.from({ length: 3 }, () => settledUser()));
    for (const v of voters.slice(0, 2)) await onItem(b.slug, ib, { intent: "vote" }, await v.cookie());
    await onItem(a.slug, ia, { intent: "vote" }, await voters[2].cookie());
    // Ten old votes for A (eight days ago) and unverified rows don't lift it above B.
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 10; i++) {
      const u = await makeUser(env, { verified: i % 2 === 0 });
      await env.DB.prepare("INSERT INTO feedback_votes (item_id, user_id, created_at) VALUES (?, ?, ?)")
        .bind(ia, u.id, i % 2 === 0 ? now - 8 * 86400 : now)
        .run();
    }
    const html = await (await app("/discover?sort=upvoted")).text();
    expect(html).toContain("Most upvoted this week");
    const posA = html.indexOf(`/apps/${a.slug}"`);
    const posB = html.indexOf(`/apps/${b.slug}"`);
    expect(posB).toBeGreaterThan(-1);
    expect(posA).toBeGreaterThan(posB);
    // The cards show the figure that orders them: this week's upvotes, never increasing down the list.
    const week = cardFigures(html);
    expect(week.get(b.slug)).toBe(2);
    expect(week.get(a.slug)).toBe(1);
    const figures = [...week.values()];
    expect(figures).toEqual([...figures].sort((x, y) => y - x));
    // Elsewhere (another sort, the maker's storefront) a card shows the board's total upvotes, all
    // time: the stored count, recounted from the rows at the next vote (the rows above were raw inserts).
    await onItem(a.slug, ia, { intent: "vote" }, await (await settledUser()).cookie());
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM feedback_votes WHERE item_id=?").bind(ia).first<{ n: number }>();
    expect(cardFigures(await (await app("/discover?sort=new")).text()).get(a.slug)).toBe(rows!.n);
    expect(cardFigures(await (await app(`/@${a.maker.handle}`)).text()).get(a.slug)).toBe(rows!.n);
  });
});

/** slug → the upvote figure on its card, in page order. */
function cardFigures(html: string) {
  const out = new Map<string, number>();
  for (const card of html.split("<article").slice(1)) {
    const slug = /href="\/apps\/([a-z0-9-]+)"/.exec(card)?.[1];
    const n = /data-upvotes="(\d+)"/.exec(card)?.[1];
    if (slug && n !== undefined && !out.has(slug)) out.set(slug, Number(n));
  }
  return out;
}

describe("suspended voters and racing merges", () => {
  it("a suspended voter's upvotes leave the counts and trending while suspended and come back after", async () => {
    const { slug, maker } = await board();
    const author = await settledUser();
    const id = itemIdOf(await file(slug, { kind: "idea", title: "Suspension counts" }, await author.cookie()));
    const [v1, v2, bad] = await Promise.all([settledUser(), settledUser(), settledUser()]);
    for (const v of [v1, v2, bad]) await onItem(slug, id, { intent: "vote" }, await v.cookie());
    const score = async () =>
      (await env.DB.prepare("SELECT trending_score AS s FROM apps WHERE slug=?").bind(slug).first<{ s: number }>())!.s;
    const badWeight = (await env.DB.prepare("SELECT trending_weight AS w FROM feedback_votes WHERE item_id=? AND user_id=?")
      .bind(id, bad.id)
      .first<{ w: number }>())!.w;
    const before = await score();
    const admin = await settledUser({ isAdmin: true });
    const ac = await admin.cookie();
    expect(
      (await postForm("/admin/users", { intent: "suspend", userId: bad.id, reason: "vote ring" }, { cookie: ac })).status,
    ).toBeLessThan(400);
    expect(await votesOf(id)).toBe(2);
    expect(Math.abs((await score()) - (before - badWeight))).toBeLessThan(1e-6 * Math.max(1, before));
    expect(cardFigures(await (await app(`/@${maker.handle}`)).text()).get(slug)).toBe(2);
    // Suspending again changes nothing twice; lifting it restores the vote exactly.
    expect(
      (await postForm("/admin/users", { intent: "suspend", userId: bad.id, reason: "vote ring" }, { cookie: ac })).status,
    ).toBeLessThan(400);
    expect(await votesOf(id)).toBe(2);
    expect(
      (await postForm("/admin/users", { intent: "unsuspend", userId: bad.id, reason: "appeal ok" }, { cookie: ac })).status,
    ).toBeLessThan(400);
    expect(await votesOf(id)).toBe(3);
    expect(Math.abs((await score()) - before)).toBeLessThan(1e-6 * Math.max(1, before));
  });

  it("two merges at once (the same duplicate twice, or A→B against B→A) end consistently: votes moved once, voters told once", async () => {
    const { maker, slug } = await board();
    const mc = await maker.cookie();
    const voters = await Promise.all([settledUser(), settledUser(), settledUser()]);
    const author = await settledUser();
    const mk = async (title: string) => itemIdOf(await file(slug, { kind: "idea", title }, await author.cookie()));
    const [a, b, c] = [await mk("Race item A"), await mk("Race item B"), await mk("Race item C")];
    for (const v of voters) await onItem(slug, a, { intent: "vote" }, await v.cookie());
    await onItem(slug, b, { intent: "vote" }, await voters[0].cookie());
    await onItem(slug, c, { intent: "vote" }, await voters[1].cookie());
    // The same duplicate merged twice at once: one wins (303), the other is refused (409/422).
    const same = await Promise.all([
      onItem(slug, a, { intent: "merge", keepId: b }, mc),
      onItem(slug, a, { intent: "merge", keepId: b }, mc),
    ]);
    expect(same.filter((r) => r.status === 303).length).toBe(1);
    expect(same.every((r) => [303, 409, 422].includes(r.status))).toBe(true);
    expect(await votesOf(b)).toBe(3);
    expect(await votesOf(a)).toBe(0);
    for (const v of voters) {
      const n = await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE user_id=? AND subject_id=?")
        .bind(v.id, `merge:${a}`)
        .first<{ n: number }>();
      expect(n!.n, "told once").toBe(1);
    }
    // B→C against C→B at once: exactly one happens; every vote lives on exactly one open item.
    const cross = await Promise.all([
      onItem(slug, b, { intent: "merge", keepId: c }, mc),
      onItem(slug, c, { intent: "merge", keepId: b }, mc),
    ]);
    expect(cross.filter((r) => r.status === 303).length).toBe(1);
    const open = await env.DB.prepare("SELECT id, vote_count AS n FROM feedback_items WHERE id IN (?, ?) AND merged_into IS NULL")
      .bind(b, c)
      .all<{ id: string; n: number }>();
    expect(open.results.length).toBe(1);
    expect(open.results[0].n).toBe(3);
    expect(await countVoteRows(env, open.results[0].id)).toBe(3);
    const gone = open.results[0].id === b ? c : b;
    expect(await countVoteRows(env, gone)).toBe(0);
  });
});

describe("authorisation matrix for moderation and board actions", () => {
  it("anonymous, other user, other creator, blocked user: refused; owner and admin: allowed", async () => {
    const { maker, slug } = await board();
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(slug).first<{ id: string }>())!.id;
    const author = await settledUser();
    const other = await settledUser();
    const otherCreator = await makeCreator(env);
    const admin = await settledUser({ isAdmin: true });
    const id = itemIdOf(await file(slug, { kind: "idea", title: "Matrix idea" }, await author.cookie()));
    const keep = itemIdOf(await file(slug, { kind: "idea", title: "Matrix keeper" }, await other.cookie()));
    await postForm(
      `/comments/app/${appId}`,
      { intent: "comment", body: "Matrix comment" },
      { cookie: await author.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
    );
    const commentId = (await env.DB.prepare("SELECT id FROM comments WHERE author_id=? AND target_id=?")
      .bind(author.id, appId)
      .first<{ id: string }>())!.id;
    const onThread = (fields: Record<string, string>, cookie?: string) =>
      postForm(`/comments/app/${appId}`, fields, { cookie, headers: { "CF-Connecting-IP": freshIp() } });

    const refused: [string, string | undefined, number][] = [
      ["anonymous", undefined, 401],
      ["other user", await other.cookie(), 403],
      ["other creator", await otherCreator.cookie(), 403],
    ];
    for (const [who, cookie, status] of refused) {
      for (const intent of ["pin", "hide", "block"])
        expect((await onThread({ intent, commentId }, cookie)).status, `${who} ${intent}`).toBe(status);
      expect((await onThread({ intent: "policy", policy: "off" }, cookie)).status, `${who} policy`).toBe(status);
      expect((await onThread({ intent: "edit", commentId, body: "hijack" }, cookie)).status, `${who} edit`).toBe(status);
      expect((await onThread({ intent: "delete", commentId }, cookie)).status, `${who} delete`).toBe(status);
      expect((await onItem(slug, id, { intent: "status", status: "done" }, cookie)).status, `${who} status`).toBe(status);
      expect((await onItem(slug, id, { intent: "merge", keepId: keep }, cookie)).status, `${who} merge`).toBe(status);
    }
    // The admin may moderate anyone's thread and board.
    const ac = await admin.cookie();
    expect((await onThread({ intent: "pin", commentId }, ac)).status).toBe(200);
    expect((await onThread({ intent: "hide", commentId }, ac)).status).toBe(200);
    expect((await onThread({ intent: "unhide", commentId }, ac)).status).toBe(200);
    expect((await onItem(slug, id, { intent: "status", status: "done" }, ac)).status).toBe(200);
    // The owner blocks the author: no more comments or feedback from them on this maker's apps; unblock restores.
    const mc = await maker.cookie();
    expect((await onThread({ intent: "block", commentId }, mc)).status).toBe(200);
    expect((await onThread({ intent: "comment", body: "blocked words" }, await author.cookie())).status).toBe(403);
    expect((await file(slug, { kind: "idea", title: "Blocked idea" }, await author.cookie())).status).toBe(403);
    expect((await onThread({ intent: "unblock", commentId }, mc)).status).toBe(200);
    expect((await onThread({ intent: "comment", body: "back again" }, await author.cookie())).status).toBe(200);
    expect((await onThread({ intent: "unpin", commentId }, mc)).status).toBe(200);
    expect((await onItem(slug, id, { intent: "merge", keepId: keep }, mc)).status).toBe(303);
    // The comment's author still edits and deletes their own.
    expect((await onThread({ intent: "edit", commentId, body: "Matrix comment, edited" }, await author.cookie())).status).toBe(200);
    expect((await onThread({ intent: "delete", commentId }, await author.cookie())).status).toBe(200);
  });

  it("the actor matrix on like, react, report, vote and merge: anonymous, other user, other creator, blocked, suspended, owner, admin", async () => {
    const { maker, slug } = await board();
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(slug).first<{ id: string }>())!.id;
    const post = await makePost(env, maker, { title: "Matrix post" });
    const author = await settledUser();
    await postForm(
      `/comments/app/${appId}`,
      { intent: "comment", body: "Matrix target comment" },
      { cookie: await author.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
    );
    const commentId = (await env.DB.prepare("SELECT id FROM comments WHERE author_id=? AND target_id=?")
      .bind(author.id, appId)
      .first<{ id: string }>())!.id;
    const [other, blocked, suspended, admin] = await Promise.all([
      settledUser(),
      settledUser(),
      settledUser(),
      settledUser({ isAdmin: true }),
    ]);
    const otherCreator = await makeCreator(env);
    // The maker blocks one person (from commenting and filing feedback on their content — not from reading, liking or voting).
    await env.DB.prepare("INSERT INTO community_blocks (owner_id, user_id, created_at) VALUES (?, ?, unixepoch())")
      .bind(maker.id, blocked.id)
      .run();
    const actors: [string, string | undefined][] = [
      ["anonymous", undefined],
      ["other user", await other.cookie()],
      ["other creator", await otherCreator.cookie()],
      ["blocked user", await blocked.cookie()],
      ["suspended user", await suspended.cookie()],
      ["owner", await maker.cookie()],
      ["admin", await admin.cookie()],
    ];
    // Suspended after signing in: their session row stays, so this exercises the session lookup's backstop.
    await env.DB.prepare("UPDATE users SET suspended_at = unixepoch() WHERE id = ?").bind(suspended.id).run();
    const now = Math.floor(Date.now() / 1000);
    const newItem = async (title: string) => {
      const id = `mx${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
      await env.DB.prepare(
        "INSERT INTO feedback_items (id, app_id, maker_id, author_id, kind, title, body_markdown, status, vote_count, created_at, updated_at) VALUES (?, ?, ?, ?, 'idea', ?, '', 'open', 0, ?, ?)",
      )
        .bind(id, appId, maker.id, author.id, title, now, now)
        .run();
      return id;
    };
    const target = await newItem("Matrix vote target");
    const keep = await newItem("Matrix keep");
    const thread = (path: string, fields: Record<string, string>, cookie?: string) =>
      postForm(path, fields, { cookie, headers: { "CF-Connecting-IP": freshIp() } });
    type Route = { name: string; run: (cookie: string | undefined, who: string) => Promise<Response>; expect: Record<string, number> };
    const everyoneSignedIn = (ok: number) => ({
      anonymous: 401,
      "other user": ok,
      "other creator": ok,
      "blocked user": ok,
      "suspended user": 401,
      owner: ok,
      admin: ok,
    });
    const routes: Route[] = [
      { name: "like", run: (c) => thread(`/comments/app/${appId}`, { intent: "like", commentId }, c), expect: everyoneSignedIn(200) },
      {
        name: "react",
        run: (c) => thread(`/comments/post/${post.id}`, { intent: "react", reaction: "fire" }, c),
        expect: everyoneSignedIn(200),
      },
      {
        name: "report",
        run: (c) => thread("/report", { targetType: "comment", targetId: commentId, reason: "spam", note: "" }, c),
        expect: everyoneSignedIn(200),
      },
      { name: "vote", run: (c) => onItem(slug, target, { intent: "vote" }, c), expect: everyoneSignedIn(200) },
      {
        name: "merge",
        run: async (c, who) => onItem(slug, await newItem(`Matrix dup of ${who}`), { intent: "merge", keepId: keep }, c),
        expect: { ...everyoneSignedIn(403), anonymous: 401, "suspended user": 401, owner: 303, admin: 303 },
      },
    ];
    for (const route of routes)
      for (const [who, cookie] of actors) expect((await route.run(cookie, who)).status, `${route.name} by ${who}`).toBe(route.expect[who]);
    // Exact effects: one like, one reaction, one report and one vote per allowed actor; two merges.
    const allowed = 5;
    const counts = await env.DB.prepare(
      `SELECT (SELECT like_count FROM comments WHERE id = ?1) AS likes,
        (SELECT count(*) FROM post_reactions WHERE post_id = ?2) AS reactions,
        (SELECT count(*) FROM reports WHERE target_id = ?3) AS reports,
        (SELECT vote_count FROM feedback_items WHERE id = ?4) AS votes,
        (SELECT count(*) FROM feedback_items WHERE merged_into = ?5) AS merged`,
    )
      .bind(commentId, post.id, commentId, target, keep)
      .first();
    expect(counts).toEqual({ likes: allowed, reactions: allowed, reports: allowed, votes: allowed, merged: 2 });
  });

  it("a suspended user, even holding a session from before, is refused every community action; a suspended owner can't moderate", async () => {
    const { maker, slug } = await board();
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(slug).first<{ id: string }>())!.id;
    const author = await settledUser();
    const id = itemIdOf(await file(slug, { kind: "idea", title: "Before the suspension" }, await author.cookie()));
    await postForm(
      `/comments/app/${appId}`,
      { intent: "comment", body: "Said before" },
      { cookie: await author.cookie(), headers: { "CF-Connecting-IP": freshIp() } },
    );
    const commentId = (await env.DB.prepare("SELECT id FROM comments WHERE author_id=? AND target_id=?")
      .bind(author.id, appId)
      .first<{ id: string }>())!.id;
    const suspended = await settledUser();
    const sc = await suspended.cookie();
    const mc = await maker.cookie();
    // Suspend in the database only: their session row stays, so this is the session lookup's backstop.
    await env.DB.prepare("UPDATE users SET suspended_at=unixepoch() WHERE id IN (?, ?)").bind(suspended.id, maker.id).run();
    const onThread = (fields: Record<string, string>, cookie: string) =>
      postForm(`/comments/app/${appId}`, fields, { cookie, headers: { "CF-Connecting-IP": freshIp() } });
    expect((await onThread({ intent: "comment", body: "still here?" }, sc)).status).toBe(401);
    expect((await onThread({ intent: "like", commentId }, sc)).status).toBe(401);
    expect((await file(slug, { kind: "bug", title: "Suspended bug report" }, sc)).status).toBe(401);
    expect((await onItem(slug, id, { intent: "vote" }, sc)).status).toBe(401);
    expect(
      (await postForm("/report", { targetType: "comment", targetId: commentId, reason: "spam", note: "" }, { cookie: sc })).status,
    ).toBe(401);
    for (const intent of ["pin", "hide", "block"]) expect((await onThread({ intent, commentId }, mc)).status, `owner ${intent}`).toBe(401);
    expect((await onThread({ intent: "policy", policy: "off" }, mc)).status).toBe(401);
    expect((await onItem(slug, id, { intent: "status", status: "done" }, mc)).status).toBe(401);
    const rows = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM comments WHERE target_id=?) AS c, (SELECT count(*) FROM reports WHERE target_id=?) AS r",
    )
      .bind(appId, commentId)
      .first<{ c: number; r: number }>();
    expect(rows).toEqual({ c: 1, r: 0 });
  });
});

describe("the maker's daily feedback digest", () => {
  it("one email per maker per day listing the day's new items; none without items or with the digest off; its link unsubscribes", async () => {
    const a = await board();
    const b = await board();
    const author = await settledUser();
    const ac = await author.cookie();
    const ids = [
      itemIdOf(await file(a.slug, { kind: "idea", title: "Digest idea one" }, ac)),
      itemIdOf(await file(a.slug, { kind: "bug", title: "Digest bug two" }, ac)),
      itemIdOf(await file(a.slug, { kind: "idea", title: "Maker's own note" }, await a.maker.cookie())),
      itemIdOf(await file(a.slug, { kind: "idea", title: "Hidden digest item" }, ac)),
      itemIdOf(await file(b.slug, { kind: "idea", title: "Digest for B" }, ac)),
    ];
    await env.DB.prepare("UPDATE feedback_items SET hidden_at = 1 WHERE id = ?").bind(ids[3]).run();
    // B's maker turned the digest off in the email preferences.
    expect(
      (await postForm("/settings/email", { intent: "feedback-digest", feedbackDigest: "off" }, { cookie: await b.maker.cookie() })).status,
    ).toBe(200);
    // A day of its own (no other test files feedback on it): the items were filed that day.
    const day = 86400 * (15000 + Math.floor(Math.random() * 3000));
    await env.DB.prepare(`UPDATE feedback_items SET created_at = ? WHERE id IN (${ids.map(() => "?").join(",")})`)
      .bind(day + 3600, ...ids)
      .run();
    expect(await queueFeedbackDigests(env, day + 86400 + 60)).toBe(2); // A and B (B's is skipped when rendered)
    expect(await queueFeedbackDigests(env, day + 86400 + 120)).toBe(0); // the day is queued once
    const mail = await waitForMail(a.maker.email, "new feedback");
    expect(mail.subject).toContain("2 new feedback items");
    expect(mail.text).toContain("Digest idea one");
    expect(mail.text).toContain("Digest bug two");
    expect(mail.text).not.toContain("Maker's own note");
    expect(mail.text).not.toContain("Hidden digest item");
    expect(mail.text).toContain(`/apps/${a.slug}/feedback/${ids[0]}`);
    const unsub = /https?:\/\/[^\s]*(\/unsubscribe\?[^\s]*k=feedback-digest[^\s]*)/.exec(mail.text)![1];
    // B's digest was claimed and skipped (preference off): no email.
    let skipped: { status: string } | null = null;
    for (let i = 0; i < 100 && !skipped; i++) {
      skipped = await env.DB.prepare("SELECT status FROM email_sends WHERE key = ?")
        .bind(`feedback-digest:${b.maker.id}:${new Date(day * 1000).toISOString().slice(0, 10)}`)
        .first<{ status: string }>();
      if (!skipped || skipped.status === "sending") await new Promise((r) => setTimeout(r, 50));
    }
    expect(skipped?.status).toBe("skipped");
    const bMail = await env.DB.prepare("SELECT count(*) AS n FROM dev_mailbox WHERE to_address = ?")
      .bind(b.maker.email)
      .first<{ n: number }>();
    expect(bMail!.n).toBe(0);
    // The digest's own link: GET asks, POST turns the digest off (and nothing else); a forged token is refused.
    expect(await (await app(unsub)).text()).toContain("feedback digests");
    expect((await app(unsub.replace(/t=[^&]+/, "t=forged"))).status).toBe(400);
    expect((await postForm(unsub, {})).status).toBe(200);
    const pref = await env.DB.prepare("SELECT feedback_digest AS d, mode FROM email_preferences WHERE user_id = ?")
      .bind(a.maker.id)
      .first<{ d: number; mode: string }>();
    expect(pref).toEqual({ d: 0, mode: "all" });
  });
});
