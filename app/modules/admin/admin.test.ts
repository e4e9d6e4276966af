import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { app, postForm, sessionCookie } from "~/test/http";
import { DEMO_PASSWORD, makeApp, makeCreator, makePost, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { createRssToken } from "~/modules/posts/pages.server";
import { sessions } from "~/modules/identity/schema";
import { createProduct, makeTier, PDF, upload } from "~/test/money";
import { adminActions } from "./schema";

const ADMIN_PAGES = ["/admin", "/admin/users", "/admin/moderation", "/admin/featured", "/admin/dead-letters", "/admin/reconcile-follows"];
const ADMIN_POSTS: [string, Record<string, string>][] = [
  ["/admin/users", { intent: "suspend", userId: "x", reason: "spam spam" }],
  ["/admin/featured", { op: "add", slug: "anything" }],
  ["/admin/moderation", { intent: "hide", reportId: "x", reason: "spam spam" }],
  ["/admin/dead-letters", { intent: "discard", id: "x" }],
  ["/admin/reconcile-follows", { repair: "1" }],
];

describe("admin console: every route refuses non-admins", () => {
  it("anonymous visitors are sent to sign in; signed-in non-admins (creators too) get 403; admins get the page", async () => {
    const member = await makeUser(env);
    const creator = await makeCreator(env);
    const admin = await makeUser(env, { isAdmin: true });
    for (const path of ADMIN_PAGES) {
      const anon = await app(path);
      expect(anon.status, path).toBe(302);
      expect(anon.headers.get("Location"), path).toContain("/login");
      for (const who of [member, creator]) expect((await app(path, { cookie: await who.cookie() })).status, path).toBe(403);
      const ok = await app(path, { cookie: await admin.cookie() });
      expect(ok.status, `${path}: ${ok.status === 200 ? "" : await ok.clone().text()}`).toBe(200);
    }
    // The JSON twin of follow reconcile (POST only).
    expect((await postForm("/admin/reconcile-follows.json", {}, { cookie: await member.cookie() })).status).toBe(403);
    for (const [path, fields] of ADMIN_POSTS) {
      expect((await postForm(path, fields)).status, path).toBe(302);
      for (const who of [member, creator]) expect((await postForm(path, fields, { cookie: await who.cookie() })).status, path).toBe(403);
    }
    // Nothing a non-admin sent was logged or done.
    expect(await getDb(env).select().from(adminActions).where(eq(adminActions.adminId, member.id))).toHaveLength(0);
  });

  it("the home shows today's numbers, open reports and links to every tool", async () => {
    const admin = await makeUser(env, { isAdmin: true });
    const html = await (await app("/admin", { cookie: await admin.cookie() })).text();
    for (const s of ["Creators", "Members", "GMV this month", "Dead letters", "Open reports", "waiting in moderation"])
      expect(html).toContain(s);
    for (const href of ["/admin/users", "/admin/moderation", "/admin/featured", "/admin/dead-letters", "/admin/reconcile-follows"])
      expect(html).toContain(`href="${href}"`);
  });
});

describe("featured apps", () => {
  it("admins add, reorder and remove featured apps; discovery shows them in that order; every change is logged", async () => {
    const admin = await makeUser(env, { isAdmin: true });
    const c = await makeCreator(env);
    const a = await makeApp(env, c, { name: "Featured Alpha" });
    const b = await makeApp(env, c, { name: "Featured Beta" });
    const cookie = await admin.cookie();
    for (const slug of [a.slug, b.slug]) expect((await postForm("/admin/featured", { op: "add", slug }, { cookie })).status).toBe(200);
    expect((await postForm("/admin/featured", { op: "up", slug: b.slug }, { cookie })).status).toBe(200);
    const discover = await (await app("/discover")).text();
    const row = discover.slice(discover.indexOf("Featured"));
    expect(row.indexOf("Featured Beta")).toBeGreaterThan(-1);
    expect(row.indexOf("Featured Beta")).toBeLessThan(row.indexOf("Featured Alpha"));
    expect((await postForm("/admin/featured", { op: "remove", slug: b.slug }, { cookie })).status).toBe(200);
    const console_ = await (await app("/admin/featured", { cookie })).text();
    expect(console_).not.toContain("Featured Beta");
    expect(console_).toContain("Featured Alpha");
    const log = await getDb(env).select().from(adminActions).where(eq(adminActions.adminId, admin.id));
    expect(log.map((l) => l.action).sort()).toEqual(["feature", "feature", "featured-move-up", "unfeature"]);
    const home = await (await app("/admin", { cookie })).text();
    expect(home).toContain(`/apps/${b.slug}`);
  });
});

async function feedHas(cookie: string, text: string) {
  for (let i = 0; i < 100; i++) {
    const html = await (await app("/feed", { cookie })).text();
    if (html.includes(text)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe("suspension", () => {
  it("needs a reason, ends sessions, refuses sign-in with a clear message and hides everything; unsuspend brings it back", async () => {
    const admin = await makeUser(env, { isAdmin: true });
    const fan = await makeUser(env);
    const c = await makeSeller(env, { displayName: "Suspendable Sam" });
    const appRow = await makeApp(env, c, { name: "Zyxwv Hidden App" });
    await followCreator(env, fan.viewer, c.handle);
    const post = await makePost(env, c, { title: "Qwertz hidden post" });
    const fanCookie = await fan.cookie();
    expect(await feedHas(fanCookie, "Qwertz hidden post")).toBe(true);
    const rss = await createRssToken(env, c.viewer, c.handle);
    const creatorCookie = await c.cookie();
    const product = await createProduct(creatorCookie);
    expect((await upload(product.id, "guide.pdf", PDF, creatorCookie)).status).toBe(200);
    expect((await postForm(`/dashboard/products/${product.id}`, { intent: "publish" }, { cookie: creatorCookie })).status).toBe(200);
    const tier = await makeTier(creatorCookie, { pricing: "free" });
    const joiner = await makeUser(env);
    expect((await app(`/@${c.handle}/products/${product.slug}`)).status).toBe(200);
    expect((await app(`/tiers/${tier.id}`)).status).toBe(200);

    // Everything is public, and the anonymous pages are in the edge cache.
    const pages = [`/@${c.handle}`, `/@${c.handle}/posts/${post.slug}`, `/apps/${appRow.slug}`];
    for (const p of pages) {
      expect((await app(p)).status, p).toBe(200);
      expect((await app(p)).headers.get("X-Edge-Cache"), p).toBe("HIT");
    }
    expect((await app(`/@${c.handle}/feed.xml`)).status).toBe(200);
    expect(await (await app("/discover?q=Zyxwv")).text()).toContain("Zyxwv Hidden App");
    expect(await (await app("/discover?q=Qwertz&tab=posts")).text()).toContain("Qwertz hidden post");
    expect(await (await app("/")).text()).toContain("Suspendable Sam");

    const cookie = await admin.cookie();
    // No reason: refused, nothing happens.
    const noReason = await postForm("/admin/users", { intent: "suspend", userId: c.id, reason: "" }, { cookie });
    expect(noReason.status).toBe(422);
    expect((await app("/settings", { cookie: creatorCookie })).status).toBe(200);

    const res = await postForm("/admin/users", { intent: "suspend", userId: c.id, reason: "Selling stolen prompts" }, { cookie });
    expect(res.status).toBe(200);

    // Sessions ended, sign-in refused with a clear message.
    expect(await getDb(env).select().from(sessions).where(eq(sessions.userId, c.id))).toHaveLength(0);
    expect((await app("/settings", { cookie: creatorCookie })).status).toBe(302);
    const login = await postForm("/login", { email: c.email, password: DEMO_PASSWORD });
    expect(login.status).toBe(403);
    expect(sessionCookie(login)).toBeUndefined();
    expect(await login.text()).toContain("This account is suspended");

    // Hidden everywhere: pages (cached ones too), RSS (public and private), search, discovery, home, feed.
    for (const p of pages) expect((await app(p)).status, p).toBe(404);
    expect((await app(`/@${c.handle}/products/${product.slug}`)).status).toBe(404);
    expect((await app(`/tiers/${tier.id}`)).status).toBe(404);
    expect((await postForm(`/tiers/${tier.id}`, { intent: "subscribe" }, { cookie: await joiner.cookie() })).status).toBe(404);
    expect((await app(`/@${c.handle}/feed.xml`)).status).toBe(404);
    expect((await app(new URL(rss.url).pathname + new URL(rss.url).search)).status).toBe(404);
    expect(await (await app("/discover?q=Zyxwv")).text()).not.toContain("Zyxwv Hidden App");
    expect(await (await app("/discover?q=Qwertz&tab=posts")).text()).not.toContain("Qwertz hidden post");
    expect(await (await app("/")).text()).not.toContain("Suspendable Sam");
    expect(await (await app("/feed", { cookie: fanCookie })).text()).not.toContain("Qwertz hidden post");

    // The log says who, what, when and why; the console shows it.
    const [entry] = await getDb(env).select().from(adminActions).where(eq(adminActions.targetId, c.id));
    expect(entry).toMatchObject({ adminId: admin.id, adminEmail: admin.email, action: "suspend", reason: "Selling stolen prompts" });
    expect(entry.createdAt).toBeGreaterThan(0);
    const home = await (await app("/admin", { cookie })).text();
    expect(home).toContain("Selling stolen prompts");
    const search = await (await app(`/admin/users?q=${c.handle}`, { cookie })).text();
    expect(search).toContain("suspended");

    // Unsuspend: back everywhere, sign-in works.
    expect((await postForm("/admin/users", { intent: "unsuspend", userId: c.id, reason: "Appeal accepted" }, { cookie })).status).toBe(200);
    for (const p of pages) expect((await app(p)).status, p).toBe(200);
    const again = await postForm("/login", { email: c.email, password: DEMO_PASSWORD });
    expect(again.status).toBe(302);
  });

  it("an admin can't suspend themselves", async () => {
    const admin = await makeUser(env, { isAdmin: true });
    const res = await postForm(
      "/admin/users",
      { intent: "suspend", userId: admin.id, reason: "testing" },
      { cookie: await admin.cookie() },
    );
    expect(res.status).toBe(422);
  });
});
