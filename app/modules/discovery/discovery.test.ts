import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeApp, makeCreator } from "~/modules/demo/factories.server";
import { discoverApps } from "./queries.server";
import { anonymousPageKey } from "./edge-pages.server";
import { clearEdgeMemory } from "~/lib/edge-cache.server";
import { DEMO_APPS } from "~/modules/demo/seed-apps.server";
import { decayedTrending, trendingIncrement, TRENDING_EPOCH, HALF_LIFE_SECONDS } from "~/lib/trending";

const word = () =>
  `zq${crypto
    .randomUUID()
    .replace(/[^a-z]/g, "")
    .slice(0, 8)}`;

describe("search and browsing", () => {
  it("ranks a name match above a description match, finds tech stack tags and prefixes, and filters by category", async () => {
    const c = await makeCreator(env);
    const w = word();
    const tag = word();
    const inDescription = await makeApp(env, c, {
      name: `Helper ${w.slice(0, 4)}x`,
      description: `Mentions ${w} once, deep in the text.`,
      category: "research",
    });
    const inName = await makeApp(env, c, { name: `${w} Studio`, category: "voice", techStack: [tag] });
    const r = await discoverApps(env, { q: w });
    expect(r.items.map((i) => i.slug)).toEqual([inName.slug, inDescription.slug]);
    expect((await discoverApps(env, { q: w.slice(0, 5) })).items.length).toBe(2); // prefix search
    expect((await discoverApps(env, { q: tag })).items.map((i) => i.slug)).toEqual([inName.slug]);
    expect((await discoverApps(env, { q: w, category: "voice" })).items.map((i) => i.slug)).toEqual([inName.slug]);
    // Edits are searchable at once (FTS triggers).
    await postForm(
      `/apps/${inDescription.slug}/edit`,
      { intent: "update", name: "Renamed", appUrl: "https://x.example", category: "research", description: "nothing" },
      { cookie: await c.cookie() },
    );
    expect((await discoverApps(env, { q: w })).items.map((i) => i.slug)).toEqual([inName.slug]);
  });

  it("finds other word forms, category names and tags, and the search box's own example finds a demo app", async () => {
    const c = await makeCreator(env);
    const demo = Object.values(DEMO_APPS).flat();
    const spec = (name: string) => ({
      ...demo.find((a) => a.name === name)!,
      name: `${name} ${word()}`,
      logoColors: undefined,
      screenshots: 0,
    });
    const parla = await makeApp(env, c, spec("Parla")); // "a patient AI tutor", category Voice
    const bookbot = await makeApp(env, c, spec("BookBot")); // "books … appointments"
    const slugs = async (q: string) => (await discoverApps(env, { q })).items.map((i) => i.slug);
    expect(await slugs("voice")).toContain(parla.slug); // the category's name
    expect(await slugs("voice tutor")).toContain(parla.slug);
    expect(await slugs("tutors")).toContain(parla.slug); // stemming
    expect(await slugs("booking")).toContain(bookbot.slug);
    expect(await slugs("elevenlabs")).toContain(parla.slug); // a tech stack tag
    expect(await slugs("eleven")).toContain(parla.slug); // prefix
    // A category change is searchable at once (FTS triggers).
    await postForm(
      `/apps/${parla.slug}/edit`,
      { intent: "update", name: "Parla", appUrl: "https://x.example", category: "research", description: "nothing" },
      { cookie: await c.cookie() },
    );
    expect(await slugs("voice tutor")).not.toContain(parla.slug);
    expect(await slugs("research")).toContain(parla.slug);
    // The example in the search box's placeholder returns results.
    const page = await (await app("/discover")).text();
    const example = /placeholder="[^"]*e\.g\. “([^”]+)”/.exec(page)?.[1];
    expect(example).toBeTruthy();
    await makeApp(env, c, spec("Parla"));
    expect((await discoverApps(env, { q: example! })).items.length).toBeGreaterThan(0);
  });

  it("pages with stable cursors and gives friendly pages for empty results, unknown categories and bad cursors", async () => {
    const c = await makeCreator(env);
    const w = word();
    for (let i = 0; i < 26; i++) await makeApp(env, c, { name: `${w} ${i}` });
    const first = await discoverApps(env, { q: w, sort: "new" });
    expect(first.items).toHaveLength(24);
    const second = await discoverApps(env, { q: w, sort: "new", cursor: first.nextCursor! });
    expect(second.items).toHaveLength(2);
    expect(new Set([...first.items, ...second.items].map((i) => i.slug)).size).toBe(26);

    // A search sorts by best match unless another order is chosen.
    expect(await (await app(`/discover?q=${w}`)).text()).toMatch(/aria-current="true"[^>]*>Best match</);
    expect(await (await app(`/discover?q=${w}&sort=new`)).text()).toMatch(/aria-current="true"[^>]*>New</);

    const none = await app(`/discover?q=${word()}`);
    expect(none.status).toBe(200);
    expect(await none.text()).toContain("No apps match");
    const cat = await app("/discover?category=crypto");
    expect(cat.status).toBe(404);
    expect(await cat.text()).toContain("“crypto” category");
    const bad = await app("/discover?cursor=not-a-cursor!!");
    expect(bad.status).toBe(200);
    expect(await bad.text()).toContain("That page link has expired");
    expect((await app(`/discover?q=${encodeURIComponent('"unbalanced AND (')}`)).status).toBe(200);
  });
});

describe("trending", () => {
  it("is a decayed sum: a signal is worth half as much after one half-life", () => {
    const t = TRENDING_EPOCH + 100 * 86400;
    const now = t + HALF_LIFE_SECONDS;
    expect(decayedTrending(trendingIncrement(4, t), now)).toBeCloseTo(2, 10);
    expect(trendingIncrement(1, now)).toBeGreaterThan(trendingIncrement(1.9, t));
  });
});

describe("edge cache", () => {
  it("changes the storefront and app keys after an edit, serves anonymous hits without cookies, and never caches signed-in views", async () => {
    const c = await makeCreator(env);
    const { slug } = await makeApp(env, c, { name: `Cached ${c.handle}` });
    const sfUrl = new URL(`http://localhost:8787/@${c.handle}`);
    const appUrl = new URL(`http://localhost:8787/apps/${slug}`);
    const before = [await anonymousPageKey(env, sfUrl), await anonymousPageKey(env, appUrl)];

    expect((await app(`/@${c.handle}`)).headers.get("X-Edge-Cache")).toBe("MISS");
    const hit = await app(`/@${c.handle}`);
    expect(hit.headers.get("X-Edge-Cache")).toBe("HIT");
    expect(hit.headers.get("Set-Cookie")).toBeNull();

    const cookie = await c.cookie();
    await postForm(
      `/apps/${slug}/edit`,
      { intent: "update", name: "Freshly Renamed", appUrl: "https://x.example", category: "other" },
      { cookie },
    );
    const after = [await anonymousPageKey(env, sfUrl), await anonymousPageKey(env, appUrl)];
    expect(after[0]!.key).not.toBe(before[0]!.key);
    expect(after[1]!.key).not.toBe(before[1]!.key);
    const fresh = await app(`/@${c.handle}`);
    expect(fresh.headers.get("X-Edge-Cache")).toBe("MISS");
    expect(await fresh.text()).toContain("Freshly Renamed");

    const signedIn = await app(`/@${c.handle}`, { cookie });
    expect(signedIn.headers.get("X-Edge-Cache")).toBeNull();
    expect(await signedIn.text()).toContain("Add an app"); // owner controls never leak into the shared cache
    expect(await (await app(`/@${c.handle}`)).text()).not.toContain("Add an app");
  });

  it("serves repeat hits whole from either tier: this isolate's memory, then the Cache API after a restart", async () => {
    const c = await makeCreator(env, { bio: "A bio long enough to notice if a body came back truncated." });
    const first = await app(`/@${c.handle}`);
    expect(first.headers.get("X-Edge-Cache")).toBe("MISS");
    const page = await first.text();
    expect(page).toContain(c.displayName);
    for (let i = 0; i < 3; i++) {
      const r = await app(`/@${c.handle}`);
      expect(r.headers.get("X-Edge-Cache")).toBe("HIT");
      expect(r.headers.get("X-Edge-Cache-Tier")).toBe("memory");
      expect(await r.text()).toBe(page);
    }
    clearEdgeMemory(); // as a fresh isolate: the page now comes from the Cache API tier
    const fromCache = await app(`/@${c.handle}`);
    expect(fromCache.headers.get("X-Edge-Cache")).toBe("HIT");
    expect(fromCache.headers.get("X-Edge-Cache-Tier")).toBe("cache");
    expect(fromCache.headers.get("Cache-Control")).toBe("public, max-age=0, must-revalidate");
    expect(await fromCache.text()).toBe(page);
    expect(await (await app(`/@${c.handle}`)).text()).toBe(page);
  });
});
