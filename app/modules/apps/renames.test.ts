import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeApp, makeCreator, makeUser } from "~/modules/demo/factories.server";
import { anonymousPageKey } from "~/modules/discovery/edge-pages.server";
import { findAppByOldSlug, findAppBySlug } from "./queries.server";

const unique = () => crypto.randomUUID().slice(0, 8);
/** The friendly not-found page of the app page and of its try link. */
const friendly404 = /We couldn&#x27;t find that app|That app doesn&#x27;t exist/;

/** The edit form's fields for an app, with a new slug. */
const renameFields = (name: string, slug: string) => ({
  intent: "update",
  name,
  slug,
  appUrl: "https://renamed.example.com/go",
  category: "other",
});

async function rename(cookie: string, from: string, name: string, to: string) {
  const res = await postForm(`/apps/${from}/edit`, renameFields(name, to), { cookie });
  expect(res.status, await res.clone().text()).toBe(302);
  expect(res.headers.get("Location")).toBe(`/apps/${to}/edit?saved=1`);
}

/** Follows same-site redirects the way a browser would; returns every hop's response. */
async function follow(path: string, init: Parameters<typeof app>[1] = {}) {
  const hops: Response[] = [];
  for (let next: string | null = path; next && next.startsWith("/") && hops.length < 5;) {
    const res: Response = await app(next, init);
    hops.push(res);
    next = res.status >= 300 && res.status < 400 ? res.headers.get("Location") : null;
  }
  return hops;
}

describe("renaming an app's slug", () => {
  it("answers the old address with a 301 to the new one, anonymous (edge-cache path) and signed in, keeping the sub-path and query", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const { slug: old, name } = await makeApp(env, c, { name: `Old Name ${unique()}` });
    // Warm the edge cache under the old slug first.
    expect((await app(`/apps/${old}`)).headers.get("X-Edge-Cache")).toBe("MISS");
    expect((await app(`/apps/${old}`)).headers.get("X-Edge-Cache")).toBe("HIT");

    const now = `new-name-${unique()}`;
    await rename(cookie, old, `${name} Renamed`, now);

    const visitor = await makeUser(env);
    for (const who of [undefined, await visitor.cookie(), cookie]) {
      for (let i = 0; i < 2; i++) {
        // Twice: the first answer must not have been stored under any cache key.
        const res = await app(`/apps/${old}`, { cookie: who });
        expect(res.status).toBe(301);
        expect(res.headers.get("Location")).toBe(`/apps/${now}`);
        expect(res.headers.get("Cache-Control")).toBe("no-cache");
        expect(res.headers.get("X-Edge-Cache")).toBeNull();
      }
    }
    expect(await anonymousPageKey(env, new URL(`http://localhost:8787/apps/${old}`))).toBeNull();
    const q = await app(`/apps/${old.toUpperCase()}?ref=newsletter`);
    expect(q.status).toBe(301);
    expect(q.headers.get("Location")).toBe(`/apps/${now}?ref=newsletter`);
    const edit = await app(`/apps/${old}/edit`, { cookie });
    expect(edit.status).toBe(301);
    expect(edit.headers.get("Location")).toBe(`/apps/${now}/edit`);

    const page = await app(`/apps/${now}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("X-Edge-Cache")).toBe("MISS");
    expect(await page.text()).toContain(`${name} Renamed`);

    // A second rename: the first slug leads straight to the newest one (no chain of redirects).
    const newest = `newest-${unique()}`;
    await rename(cookie, now, `${name} Again`, newest);
    for (const from of [old, now]) expect((await app(`/apps/${from}`)).headers.get("Location")).toBe(`/apps/${newest}`);
  });

  it("counts a try-click through the old slug once and lands on the app's URL", async () => {
    const c = await makeCreator(env);
    const { slug: old, name } = await makeApp(env, c, { name: `Try Rename ${unique()}` });
    const now = `tried-${unique()}`;
    await rename(await c.cookie(), old, name, now);
    const headers = { "User-Agent": "rename-agent", "CF-Connecting-IP": "198.51.100.7" };
    for (let i = 0; i < 2; i++) {
      const [moved, out] = await follow(`/apps/${old}/try`, { headers });
      expect(moved.status).toBe(301);
      expect(moved.headers.get("Location")).toBe(`/apps/${now}/try`);
      expect(out.status).toBe(302);
      expect(out.headers.get("Location")).toBe("https://renamed.example.com/go");
    }
    const signedIn = await follow(`/apps/${old}/try`, { cookie: await (await makeUser(env)).cookie() });
    expect(signedIn.map((r) => r.status)).toEqual([301, 302]);
    expect((await findAppBySlug(env, now))?.tryCount).toBe(2);
  });

  it("keeps an old slug for its app: another creator gets a 409 on the field, a name-derived slug skips it, and the owner can take it back", async () => {
    const owner = await makeCreator(env);
    const ownerCookie = await owner.cookie();
    const { slug: old, name, id } = await makeApp(env, owner, { name: `Reserved ${unique()}` });
    const now = `moved-on-${unique()}`;
    await rename(ownerCookie, old, name, now);

    const other = await makeCreator(env);
    const otherCookie = await other.cookie();
    const created = await postForm(
      "/apps/new",
      { intent: "create", name: "Squatter", slug: old, appUrl: "https://squat.example", category: "other" },
      { cookie: otherCookie },
    );
    expect(created.status).toBe(409);
    const body = await created.text();
    expect(body).toContain("That address used to belong to another app and still leads there. Please choose another.");
    expect(body).toContain('"slug"');
    const theirs = await makeApp(env, other, { name: `Theirs ${unique()}` });
    const renamed = await postForm(`/apps/${theirs.slug}/edit`, renameFields("Theirs", old), { cookie: otherCookie });
    expect(renamed.status).toBe(409);
    expect(await renamed.text()).toContain("used to belong to another app");
    expect((await findAppBySlug(env, theirs.slug))?.name).toBe(theirs.name);
    // Registering an app with the same name derives the next free slug instead of the kept one.
    expect((await makeApp(env, other, { name })).slug).toBe(`${old}-2`);
    expect((await app(`/apps/${old}`)).headers.get("Location")).toBe(`/apps/${now}`);

    await rename(ownerCookie, now, name, old);
    expect((await app(`/apps/${old}`)).status).toBe(200);
    expect((await app(`/apps/${now}`)).headers.get("Location")).toBe(`/apps/${old}`);
    expect(await findAppByOldSlug(env, old)).toBeUndefined();
    expect((await findAppByOldSlug(env, now))?.id).toBe(id);
  });

  it("doesn't reveal where a renamed draft went to anyone but its owner", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const { slug: old, name } = await makeApp(env, c, { name: `Draft Rename ${unique()}` });
    expect((await postForm(`/apps/${old}/edit`, { intent: "unpublish" }, { cookie })).status).toBe(200);
    const now = `secret-${unique()}`;
    await rename(cookie, old, name, now);
    expect((await app(`/apps/${old}`)).status).toBe(404);
    expect((await app(`/apps/${old}/try`)).status).toBe(404);
    expect((await app(`/apps/${old}`, { cookie: await (await makeUser(env)).cookie() })).status).toBe(404);
    expect((await app(`/apps/${old}`, { cookie })).headers.get("Location")).toBe(`/apps/${now}`);
  });

  it("frees an app's slugs when it is deleted, and a slug taken over by another app never serves the old app's cached page", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const { slug: old, name } = await makeApp(env, c, { name: `Doomed ${unique()}` });
    expect((await app(`/apps/${old}`)).headers.get("X-Edge-Cache")).toBe("MISS");
    expect((await app(`/apps/${old}`)).headers.get("X-Edge-Cache")).toBe("HIT");
    const now = `doomed-now-${unique()}`;
    await rename(cookie, old, name, now);
    expect((await postForm(`/apps/${now}/edit`, { intent: "delete" }, { cookie })).status).toBe(302);

    for (const path of [`/apps/${old}`, `/apps/${old}/try`, `/apps/${now}`]) {
      const res = await app(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toMatch(friendly404);
    }
    expect(await findAppByOldSlug(env, old)).toBeUndefined();

    // Another new creator's first app (so the same app/creator versions and follower count as the
    // page cached above) takes the old slug, then a second app takes the other one.
    const other = await makeCreator(env);
    const otherCookie = await other.cookie();
    const taken = await postForm(
      "/apps/new",
      { intent: "create", name: "Second Life", slug: old, appUrl: "https://second.example", category: "other" },
      { cookie: otherCookie },
    );
    expect(taken.status).toBe(302);
    const page = await app(`/apps/${old}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Second Life");
    expect(html).not.toContain(name);
    expect((await makeApp(env, other, { name: "Third", slug: now })).slug).toBe(now);
    expect((await app(`/apps/${now}`)).status).toBe(200);
  });

  it("still gives the friendly 404 for a slug that never existed", async () => {
    for (const path of [`/apps/never-was-${unique()}`, `/apps/never-was-${unique()}/try`]) {
      const res = await app(path);
      expect(res.status).toBe(404);
      expect(await res.text()).toMatch(friendly404);
    }
  });
});
