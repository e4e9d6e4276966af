import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";

/**
 * Decision 55: anonymous post pages come from the edge cache, and a signed-in storefront visit
 * from a browser that runs scripts gets the shared HTML (rendered for no one) plus /viewer.json.
 * Nothing personal may reach a shared page, and no member's view may be cached for anyone else.
 */
const SCRIPTS = "at_js=1";
const withScripts = (cookie: string) => `${cookie}; ${SCRIPTS}`;

describe("anonymous post pages from the edge cache", () => {
  it("are cached (MISS, then HIT) and never contain a gated post's text, whoever read it in between", async () => {
    const c = await makeCreator(env);
    const secret = `Members-only paragraph ${c.handle} with the real recipe.`;
    const { slug } = await makePost(env, c, {
      title: "Followers get the recipe",
      visibility: "followers",
      excerpt: "A public teaser.",
      body: `Intro.\n\n${secret}`,
    });
    const path = `/@${c.handle}/posts/${slug}`;

    const first = await app(path);
    expect(first.status).toBe(200);
    expect(first.headers.get("X-Edge-Cache")).toBe("MISS");
    expect(await first.text()).not.toContain(secret);

    // A follower reads it in full — a per-viewer render, never from or into the shared cache,
    // whether or not their browser runs scripts.
    const fan = await makeUser(env);
    const fanCookie = await fan.cookie();
    expect((await postForm(`/@${c.handle}/follow`, { intent: "follow" }, { cookie: fanCookie })).status).toBeLessThan(400);
    for (const cookie of [fanCookie, withScripts(fanCookie)]) {
      const member = await app(path, { cookie });
      expect(member.headers.get("X-Edge-Cache")).toBeNull();
      expect(await member.text()).toContain(secret);
    }

    const again = await app(path);
    expect(["HIT", "MISS"]).toContain(again.headers.get("X-Edge-Cache")); // MISS if following changed the version
    const html = await again.text();
    expect(html).not.toContain(secret);
    expect(html).toContain("A public teaser.");
    const third = await app(path);
    expect(third.headers.get("X-Edge-Cache")).toBe("HIT");
    expect(await third.text()).not.toContain(secret);
  });

  it("a draft is not found for visitors and is not cached; once published, the page shows", async () => {
    const c = await makeCreator(env);
    const { id, slug } = await makePost(env, c, { title: "Soon", status: "draft", body: "Draft text." });
    const path = `/@${c.handle}/posts/${slug}`;
    expect((await app(path)).status).toBe(404);
    expect((await app(path)).status).toBe(404);
    expect((await postForm(`/dashboard/posts/${id}`, { intent: "publish" }, { cookie: await c.cookie() })).status).toBeLessThan(400);
    const res = await app(path);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Draft text.");
  });
});

describe("a public post's signed-in page: shared HTML", () => {
  it("is one cached page for every scripted signed-in reader, with nothing of theirs in it", async () => {
    const c = await makeCreator(env);
    const { slug } = await makePost(env, c, { title: "Open notes", body: "Everyone may read this." });
    const path = `/@${c.handle}/posts/${slug}`;
    const a = await makeUser(env);
    const b = await makeUser(env);
    const first = await app(path, { cookie: withScripts(await a.cookie()) });
    expect(["MISS", "HIT"]).toContain(first.headers.get("X-Edge-Cache"));
    const second = await app(path, { cookie: withScripts(await b.cookie()) });
    expect(second.headers.get("X-Edge-Cache")).toBe("HIT");
    const html = await second.text();
    expect(html).toBe(await first.text());
    expect(html).toContain("Everyone may read this.");
    for (const email of [a.email, b.email, c.email]) expect(html).not.toContain(email);
    expect(html).not.toContain("Log in");
    expect(html).not.toContain(`/dashboard/posts/`); // the owner's Edit link is filled in per viewer
  });
});

describe("the signed-in storefront: shared HTML + /viewer.json", () => {
  it("serves every scripted signed-in viewer the same cached page, with nothing of theirs in it", async () => {
    const c = await makeCreator(env, { displayName: "Shared Shop" });
    const fan = await makeUser(env);
    const fanCookie = await fan.cookie();
    expect((await postForm(`/@${c.handle}/follow`, { intent: "follow" }, { cookie: fanCookie })).status).toBeLessThan(400);
    const other = await makeUser(env);

    const a = await app(`/@${c.handle}`, { cookie: withScripts(fanCookie) });
    expect(a.status).toBe(200);
    expect(["MISS", "HIT"]).toContain(a.headers.get("X-Edge-Cache"));
    expect(a.headers.getSetCookie()).toEqual([]);
    const aHtml = await a.text();
    const b = await app(`/@${c.handle}`, { cookie: withScripts(await other.cookie()) });
    expect(b.headers.get("X-Edge-Cache")).toBe("HIT");
    const bHtml = await b.text();
    expect(bHtml).toBe(aHtml);
    for (const html of [aHtml, bHtml]) {
      expect(html).toContain("Shared Shop");
      expect(html).not.toContain(fan.email);
      expect(html).not.toContain(other.email);
      expect(html).not.toMatch(/aria-pressed="true"/); // the follow state is not in the shared page
      expect(html).not.toContain("Log in"); // …which is the signed-in one, not the anonymous one
    }
    // The anonymous page is a different entry: it offers "Log in".
    expect(await (await app(`/@${c.handle}`)).text()).toContain("Log in");
  });

  it("/viewer.json answers each viewer's own follow state, owner flag, account and unread count, uncacheably", async () => {
    const c = await makeCreator(env);
    const fan = await makeUser(env);
    const fanCookie = await fan.cookie();
    expect((await postForm(`/@${c.handle}/follow`, { intent: "follow" }, { cookie: fanCookie })).status).toBeLessThan(400);
    const other = await makeUser(env);

    const mine = await app(`/viewer.json?storefront=${c.handle.toUpperCase()}`, { cookie: withScripts(fanCookie) });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await mine.json()).toEqual({
      viewer: { email: fan.email, isAdmin: false, handle: null, unread: 0, emailVerified: true },
      storefront: { handle: c.handle, following: true, followerCount: 1, isOwner: false, unlocked: [] },
    });
    const theirs = await (await app(`/viewer.json?storefront=${c.handle}`, { cookie: await other.cookie() })).json();
    expect(theirs).toMatchObject({ viewer: { email: other.email }, storefront: { following: false, followerCount: 1, isOwner: false } });
    // The count is fresh, not the shared page's: an unfollow shows at once on the unfollower's screen.
    expect((await postForm(`/@${c.handle}/follow`, { intent: "unfollow" }, { cookie: fanCookie })).status).toBeLessThan(400);
    const after = await (await app(`/viewer.json?storefront=${c.handle}`, { cookie: withScripts(fanCookie) })).json();
    expect(after).toMatchObject({ storefront: { following: false, followerCount: 0 } });
    const owner = await (await app(`/viewer.json?storefront=${c.handle}`, { cookie: await c.cookie() })).json();
    expect(owner).toMatchObject({ viewer: { handle: c.handle }, storefront: { isOwner: true } });
    expect(await (await app(`/viewer.json?storefront=${c.handle}`)).json()).toEqual({ viewer: null, storefront: null });
  });

  it("/viewer.json refuses a malformed handle with a clear 400", async () => {
    const u = await makeUser(env);
    const res = await app(`/viewer.json?storefront=${encodeURIComponent("no such/handle!")}`, { cookie: await u.cookie() });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/handle/);
  });

  it("a browser without scripts (no at_js cookie) still gets its own full render, follow state included", async () => {
    const c = await makeCreator(env);
    const fan = await makeUser(env);
    const fanCookie = await fan.cookie();
    expect((await postForm(`/@${c.handle}/follow`, { intent: "follow" }, { cookie: fanCookie })).status).toBeLessThan(400);
    const res = await app(`/@${c.handle}`, { cookie: fanCookie });
    expect(res.headers.get("X-Edge-Cache")).toBeNull();
    expect(await res.text()).toMatch(/aria-pressed="true"/);
    // …and that per-viewer render never reaches the shared entries.
    const shared = await (await app(`/@${c.handle}`, { cookie: withScripts(await (await makeUser(env)).cookie()) })).text();
    expect(shared).not.toMatch(/aria-pressed="true"/);
    expect(shared).not.toContain(fan.email);
  });
});
