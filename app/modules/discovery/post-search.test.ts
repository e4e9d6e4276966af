/**
 * Posts in search (who may read a post holds in search too). The index holds only what anyone may
 * see — title, excerpt, and the public body or a gated post's free preview — so words after a
 * paywall marker find nothing, and no search output (page HTML, `.data`) carries gated text.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { app } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { memberships } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";
import { deletePost, publishPost, unpublishPost, updatePost } from "~/modules/posts/service.server";
import { anonymousPageKey, forgetVersions } from "./edge-pages.server";
import { searchPosts } from "./queries.server";
import { POSTS_PAGE_SIZE } from "./pages.server";

/** A unique searchable word (letters only, so no prefix of another test's word). */
const word = () =>
  `zp${crypto
    .randomUUID()
    .replace(/[^a-z]/g, "")
    .slice(0, 10)}`;
const found = async (q: string) => (await searchPosts(env, q, { limit: 50 })).rows.map((r) => r.post.id);
const page = async (path: string, cookie?: string) => {
  const res = await app(path, { cookie });
  expect(res.status).toBe(200);
  return { res, text: await res.text() };
};

type Creator = Awaited<ReturnType<typeof makeCreator>>;
const GATED = ["followers", "paid", "tiers", "product"] as const;

describe("post search", () => {
  const w = {} as { creator: Creator; tierId: string; productId: string };

  beforeAll(async () => {
    const creator = await makeCreator(env);
    const db = getDb(env);
    const now = nowSeconds();
    const [tierId, productId] = [`tier_${newId(8)}`, `prod_${newId(8)}`];
    await db.batch([
      db.insert(tiers).values({
        id: tierId,
        creatorId: creator.id,
        name: "Insider",
        pricing: "fixed",
        currency: "usd",
        monthlyAmount: 500,
        createdAt: now,
        updatedAt: now,
      }),
      db.insert(products).values({
        id: productId,
        creatorId: creator.id,
        type: "template",
        title: "Starter Kit",
        slug: `kit-${newId(5)}`,
        priceAmount: 1900,
        currency: "usd",
        createdAt: now,
        updatedAt: now,
      }),
    ]);
    Object.assign(w, { creator, tierId, productId });
  });

  const gatedSpec = (kind: (typeof GATED)[number]) => ({
    visibility: kind,
    tierIds: kind === "tiers" ? [w.tierId] : [],
    productId: kind === "product" ? w.productId : undefined,
  });

  it("finds a public post by any word of its body, even after a paywall marker", async () => {
    const [early, late] = [word(), word()];
    const p = await makePost(env, w.creator, {
      title: "Shipping notes",
      body: `We shipped ${early} today.\n\n<!-- paywall -->\n\nPublic posts are indexed whole: ${late}.`,
    });
    expect(await found(early)).toEqual([p.id]);
    expect(await found(late)).toEqual([p.id]);
    const { text } = await page(`/discover?q=${early}&in=posts`);
    expect(text).toContain("Shipping notes");
    expect(text).toContain(`@${w.creator.handle}`);
  });

  it("finds a post by another form of a word (stemming)", async () => {
    const stem = word();
    const p = await makePost(env, w.creator, { title: `Booking ${stem}`, body: `How ${stem} books appointments.` });
    expect(await found(`${stem} booked`)).toEqual([p.id]);
    expect(await found(`${stem} appointment`)).toEqual([p.id]);
  });

  for (const kind of GATED) {
    it(`finds a ${kind} post by its title, excerpt or preview — never by a word after its paywall, and shows no gated text`, async () => {
      const [inTitle, inExcerpt, inPreview, inSecret] = [word(), word(), word(), word()];
      const secret = `Only members read that ${inSecret} matters most`;
      const p = await makePost(env, w.creator, {
        ...gatedSpec(kind),
        title: `Deep dive ${inTitle}`,
        excerpt: `What the ${inExcerpt} pipeline does`,
        body: `Free part mentions ${inPreview} here.\n\n<!-- paywall -->\n\n${secret}.`,
      });
      expect(await found(inTitle)).toEqual([p.id]);
      expect(await found(inExcerpt)).toEqual([p.id]);
      expect(await found(inPreview)).toEqual([p.id]);
      expect(await found(inSecret)).toEqual([]);
      expect(await found(`${inPreview} ${inSecret}`)).toEqual([]); // every word must match

      for (const path of [
        `/discover?q=${inPreview}&in=posts`,
        `/discover.data?q=${inPreview}&in=posts`,
        `/discover?q=${inPreview}`,
        `/discover.data?q=${inPreview}`,
      ]) {
        const { text } = await page(path);
        expect(text, path).toContain(`Deep dive ${inTitle}`);
        expect(text, path).not.toContain(inSecret);
        expect(text, path).not.toContain("Only members read");
      }
      const html = (await page(`/discover?q=${inTitle}&in=posts`)).text;
      expect(html).toContain(`What the ${inExcerpt} pipeline does`); // the teaser
      expect(html).toContain("(locked)");
      const none = (await page(`/discover?q=${inSecret}&in=posts`)).text;
      expect(none).toContain(`No posts match “${inSecret}”`);
      expect(none).not.toContain(`Deep dive ${inTitle}`);
    });
  }

  it("indexes nothing of a gated post's body without a marker, and shows its preview as the teaser", async () => {
    const [inTitle, inBody] = [word(), word()];
    await makePost(env, w.creator, {
      visibility: "followers",
      title: `No marker ${inTitle}`,
      body: `All of this is for followers: ${inBody}.`,
    });
    expect(await found(inBody)).toEqual([]);
    expect((await page(`/discover?q=${inTitle}&in=posts`)).text).not.toContain(inBody);

    const [inPreview, inRest] = [word(), word()];
    await makePost(env, w.creator, {
      visibility: "paid",
      title: "With preview",
      body: `Intro about ${inPreview} for everyone.\n\n---paywall---\n\nPaid detail ${inRest}.`,
    });
    const html = (await page(`/discover?q=${inPreview}&in=posts`)).text;
    expect(html).toContain(`Intro about ${inPreview} for everyone.`);
    expect(html).not.toContain(inRest);
  });

  it("shows each viewer their own lock state, and a follower still gets no gated text", async () => {
    const [inPreview, inSecret] = [word(), word()];
    await makePost(env, w.creator, {
      visibility: "followers",
      title: `For followers ${inPreview}`,
      body: `Teaser ${inPreview}.\n\n<!-- paywall -->\n\nGated ${inSecret}.`,
    });
    const follower = await makeUser(env);
    await followCreator(env, follower.viewer, w.creator.handle);
    const subscriber = await makeUser(env);
    const now = nowSeconds();
    await getDb(env)
      .insert(memberships)
      .values({
        id: newId(),
        stripeSubscriptionId: `sub_${newId(10)}`,
        userId: subscriber.id,
        creatorId: w.creator.id,
        tierId: w.tierId,
        status: "active",
        interval: "month",
        amount: 500,
        currency: "usd",
        createdAt: now,
        updatedAt: now,
      });

    const asFollower = (await page(`/discover?q=${inPreview}&in=posts`, await follower.cookie())).text;
    expect(asFollower).toContain("(you have access)");
    expect(asFollower).not.toContain(inSecret);
    const asStranger = (await page(`/discover?q=${inPreview}&in=posts`, await (await makeUser(env)).cookie())).text;
    expect(asStranger).toContain("(locked)");
    const asSubscriber = (await page(`/discover.data?q=${inPreview}&in=posts`, await subscriber.cookie())).text;
    expect(asSubscriber).not.toContain(inSecret);
  });

  it("drops drafts, unpublished and deleted posts from results; publishing again brings a post back", async () => {
    const [a, b] = [word(), word()];
    const draft = await makePost(env, w.creator, { title: `Draft ${a}`, status: "draft" });
    expect(await found(a)).toEqual([]);
    await publishPost(env, w.creator.viewer, draft.id);
    expect(await found(a)).toEqual([draft.id]);
    await unpublishPost(env, w.creator.viewer, draft.id);
    expect(await found(a)).toEqual([]);
    expect((await page(`/discover?q=${a}&in=posts`)).text).not.toContain(`Draft ${a}`);
    await publishPost(env, w.creator.viewer, draft.id);
    expect(await found(a)).toEqual([draft.id]);

    const gone = await makePost(env, w.creator, { ...gatedSpec("product"), title: `Doomed ${b}` });
    expect(await found(b)).toEqual([gone.id]);
    await deletePost(env, w.creator.viewer, gone.id);
    expect(await found(b)).toEqual([]);
  });

  it("searches an edit at once, and a switch to a gated visibility drops the words after the marker", async () => {
    const [oldTitle, newTitle, preview, later] = [word(), word(), word(), word()];
    const body = `Preview ${preview}.\n\n<!-- paywall -->\n\nLater ${later}.`;
    const p = await makePost(env, w.creator, { title: `Old ${oldTitle}`, body });
    expect(await found(later)).toEqual([p.id]);

    const edit = (fields: Record<string, unknown>) =>
      updatePost(env, w.creator.viewer, p.id, { title: `Old ${oldTitle}`, body, visibility: "public", ...fields });
    await edit({ title: `New ${newTitle}` });
    expect(await found(oldTitle)).toEqual([]);
    expect(await found(newTitle)).toEqual([p.id]);

    await edit({ title: `New ${newTitle}`, ...gatedSpec("tiers") });
    expect(await found(later)).toEqual([]);
    expect(await found(preview)).toEqual([p.id]);
    expect((await page(`/discover.data?q=${preview}&in=posts`)).text).not.toContain(later);

    await edit({ title: `New ${newTitle}`, visibility: "public" });
    expect(await found(later)).toEqual([p.id]);

    // Editing a draft leaves it out of the index.
    await unpublishPost(env, w.creator.viewer, p.id);
    await edit({ title: `Still a draft ${newTitle}` });
    expect(await found(newTitle)).toEqual([]);
  });

  it("changes the anonymous cached /discover page when a post is published, edited or unpublished", async () => {
    const q = word();
    const url = `/discover?q=${q}&in=posts`;
    const key = async (path: string) => (await anonymousPageKey(env, new URL(`http://localhost:8787${path}`)))!.key;
    expect(await key(url)).not.toBe(await key(`/discover?q=${q}`)); // the tab is part of the key

    const empty = await page(url);
    expect(empty.res.headers.get("X-Edge-Cache")).toBe("MISS");
    expect(empty.text).toContain(`No posts match “${q}”`);
    const hit = await page(url);
    expect(hit.res.headers.get("X-Edge-Cache")).toBe("HIT");

    // These edits run in this isolate, as their POSTs would; like the Worker after a mutating
    // request, forget the memoised versions (D29) — the key's invalidation is under test here.
    const p = await makePost(env, w.creator, { title: `Fresh ${q}`, body: "Just published." });
    forgetVersions();
    const fresh = await page(url);
    expect(fresh.res.headers.get("X-Edge-Cache")).toBe("MISS");
    expect(fresh.text).toContain(`Fresh ${q}`);
    expect((await page(`/discover?q=${q}`)).text).toContain(`Fresh ${q}`); // the Apps tab lists matching posts too

    await updatePost(env, w.creator.viewer, p.id, { title: `Renamed ${q}`, body: "Just published." });
    forgetVersions();
    expect((await page(url)).text).toContain(`Renamed ${q}`);

    await unpublishPost(env, w.creator.viewer, p.id);
    forgetVersions();
    const after = (await page(url)).text;
    expect(after).not.toContain(`Renamed ${q}`);
    expect(after).toContain(`No posts match “${q}”`);
  });

  it("pages post results with a stable cursor and says so kindly when a cursor is bad", async () => {
    const q = word();
    for (let i = 0; i < POSTS_PAGE_SIZE + 2; i++) await makePost(env, w.creator, { title: `Note ${i} ${q}`, body: "Short." });
    const first = await searchPosts(env, q, { limit: POSTS_PAGE_SIZE });
    expect(first.rows).toHaveLength(POSTS_PAGE_SIZE);
    const second = await searchPosts(env, q, { limit: POSTS_PAGE_SIZE, cursor: first.nextCursor! });
    expect(second.rows).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.rows, ...second.rows].map((r) => r.post.id)).size).toBe(POSTS_PAGE_SIZE + 2);

    const html = (await page(`/discover?q=${q}&in=posts`)).text;
    expect(html).toContain("Next page");
    expect((await page(`/discover?q=${q}`)).text).toContain("See all matching posts");
    expect((await page(`/discover?q=${q}&in=posts&cursor=nonsense`)).text).toContain("That page link has expired");
  });
});
