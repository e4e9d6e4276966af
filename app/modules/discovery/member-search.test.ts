/**
 * Search that respects access (D72): readers who may read a gated post find it by words of its
 * full text; everyone else finds it only by its public text, and no output of theirs — results,
 * counts, order, "no results", `.data` — changes because a gated post contains the word.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { app } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { memberships, orders } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";
import { updatePost } from "~/modules/posts/service.server";

const word = () =>
  `zq${crypto
    .randomUUID()
    .replace(/[^a-z]/g, "")
    .slice(0, 10)}`;

type Kind = "fol" | "paid" | "inner" | "outer" | "prod";
const KINDS: Kind[] = ["fol", "paid", "inner", "outer", "prod"];
type User = Awaited<ReturnType<typeof makeUser>>;

const w = {} as {
  creator: Awaited<ReturnType<typeof makeCreator>>;
  posts: Record<Kind, { id: string; title: string; secret: string; sentence: string }>;
  common: string;
  publicPost: { id: string; title: string };
  viewers: Record<string, User>;
};

/** What each reader may read. */
const ACCESS: Record<string, Kind[]> = {
  anonymous: [],
  stranger: [],
  follower: ["fol"],
  innerMember: ["fol", "paid", "inner"],
  outerMember: ["fol", "outer"],
  buyer: ["prod"],
  refunded: [],
  owner: KINDS,
};

beforeAll(async () => {
  const creator = await makeCreator(env);
  const db = getDb(env);
  const now = nowSeconds();
  const [innerId, outerId, productId] = [`tier_${newId(8)}`, `tier_${newId(8)}`, `prod_${newId(8)}`];
  await db.batch([
    db
      .insert(tiers)
      .values({ id: innerId, creatorId: creator.id, name: "Inner", pricing: "fixed", monthlyAmount: 900, createdAt: now, updatedAt: now }),
    db.insert(tiers).values({ id: outerId, creatorId: creator.id, name: "Outer", pricing: "free", createdAt: now, updatedAt: now }),
    db.insert(products).values({
      id: productId,
      creatorId: creator.id,
      type: "template",
      title: "Kit",
      slug: `kit-${newId(5)}`,
      priceAmount: 1900,
      currency: "usd",
      status: "published",
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  const common = word();
  const spec: Record<Kind, Parameters<typeof makePost>[2]> = {
    fol: { visibility: "followers" },
    paid: { visibility: "paid" },
    inner: { visibility: "tiers", tierIds: [innerId] },
    outer: { visibility: "tiers", tierIds: [outerId] },
    prod: { visibility: "product", productId },
  };
  const posts = {} as typeof w.posts;
  for (const k of KINDS) {
    const secret = word();
    const sentence = `The members-only ${k} paragraph about ${secret} and ${common}`;
    const title = `Gated ${k} ${newId(4)}`;
    const p = await makePost(env, creator, { ...spec[k], title, body: `A free intro.\n\n<!-- paywall -->\n\n${sentence}.` });
    posts[k] = { id: p.id, title, secret, sentence };
  }
  const publicPost = await makePost(env, creator, { title: `Open notes ${newId(4)}`, body: `Everyone reads about ${common}.` });

  const viewers = {
    stranger: await makeUser(env),
    follower: await makeUser(env),
    innerMember: await makeUser(env),
    outerMember: await makeUser(env),
    buyer: await makeUser(env),
    refunded: await makeUser(env),
  };
  await followCreator(env, viewers.follower.viewer, creator.handle);
  const member = (userId: string, tierId: string, paid: boolean) =>
    db.insert(memberships).values({
      id: newId(),
      stripeSubscriptionId: paid ? `sub_${newId(10)}` : null,
      userId,
      creatorId: creator.id,
      tierId,
      status: "active",
      interval: paid ? "month" : null,
      amount: paid ? 900 : 0,
      currency: paid ? "usd" : null,
      createdAt: now,
      updatedAt: now,
    });
  const order = (buyerId: string, status: string) =>
    db.insert(orders).values({
      id: newId(),
      checkoutSessionId: `cs_${newId(12)}`,
      buyerId,
      creatorId: creator.id,
      productId,
      currency: "usd",
      gross: 1900,
      fee: 152,
      net: 1748,
      status,
      createdAt: now,
    });
  await db.batch([
    member(viewers.innerMember.id, innerId, true),
    member(viewers.outerMember.id, outerId, false),
    order(viewers.buyer.id, "paid"),
    order(viewers.refunded.id, "refunded"),
  ]);
  Object.assign(w, { creator, posts, common, publicPost, viewers });
});

async function cookieOf(who: string) {
  if (who === "anonymous") return undefined;
  if (who === "owner") return w.creator.cookie();
  return w.viewers[who].cookie();
}

async function search(who: string, q: string, path = "/discover") {
  const res = await app(`${path}?q=${encodeURIComponent(q)}&in=posts`, { cookie: await cookieOf(who) });
  expect(res.status).toBe(200);
  return res.text();
}

describe("search of gated posts, per reader", () => {
  for (const [who, may] of Object.entries(ACCESS)) {
    it(`${who}: finds exactly the gated posts they may read by a word after the paywall, and never their text`, async () => {
      for (const k of KINDS) {
        for (const path of ["/discover", "/discover.data"]) {
          const out = await search(who, w.posts[k].secret, path);
          if (may.includes(k)) expect(out, `${who} ${k} ${path}`).toContain(w.posts[k].title);
          else expect(out, `${who} ${k} ${path}`).not.toContain(w.posts[k].title);
          // Results show teasers, never the gated paragraph (not even to readers with access).
          expect(out).not.toContain("members-only");
        }
      }
      // A word in the public post and every gated post: exactly the public post plus the readable ones.
      const all = await search(who, w.common);
      expect(all).toContain(w.publicPost.title);
      for (const k of KINDS) expect(all.includes(w.posts[k].title), `${who} ${k}`).toBe(may.includes(k));
      // The Apps tab's few post matches follow the same rule.
      const appsTab = await (await app(`/discover?q=${w.posts.inner.secret}`, { cookie: await cookieOf(who) })).text();
      expect(appsTab.includes(w.posts.inner.title)).toBe(may.includes("inner"));
    });
  }

  it("without access, a word found only behind a paywall answers exactly like a word found nowhere (no counts, no order)", async () => {
    for (const who of ["anonymous", "stranger", "refunded"]) {
      const nowhere = word();
      const behind = await search(who, w.posts.prod.secret);
      const none = await search(who, nowhere);
      expect(behind.replaceAll(w.posts.prod.secret, "WORD")).toBe(none.replaceAll(nowhere, "WORD"));
      // And a word shared with a public post: the same page as if the gated posts didn't have it.
      const shared = await search(who, w.common);
      expect(shared).toContain(w.publicPost.title);
      for (const k of KINDS) expect(shared).not.toContain(w.posts[k].title);
    }
  });

  it("an edit that makes a post public or moves the paywall updates both indexes at once", async () => {
    const p = w.posts.outer;
    const later = word();
    await updatePost(env, w.creator.viewer, p.id, {
      title: p.title,
      body: `A free intro.\n\n<!-- paywall -->\n\nNow about ${later}.`,
      visibility: "followers",
      tierIds: [],
    });
    expect(await search("stranger", later)).not.toContain(p.title);
    expect(await search("follower", later)).toContain(p.title);
    expect(await search("follower", p.secret)).not.toContain(p.title); // the old text is gone
    await updatePost(env, w.creator.viewer, p.id, { title: p.title, body: `All open now: ${later}.`, visibility: "public", tierIds: [] });
    expect(await search("stranger", later)).toContain(p.title);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM posts_member_fts WHERE rowid = (SELECT rowid FROM posts WHERE id = ?)")
      .bind(p.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0); // public posts never sit in the members' index
  });
});

describe("search of gated posts beyond many unreadable matches", () => {
  // 205 paid posts that match a word better (it is said three times in a short body) than the one
  // followers' post this reader may read (said once in a longer paragraph). A search that looked at
  // only the best few hundred gated matches before asking who may read them would miss it.
  const MANY = 205;
  const v = {} as { creator: Awaited<ReturnType<typeof makeCreator>>; w: string; readable: string; follower: User; payer: User };
  beforeAll(async () => {
    const creator = await makeCreator(env);
    const w2 = word();
    for (let i = 0; i < MANY; i++)
      await makePost(env, creator, {
        title: `Paid deep dive ${i} ${newId(4)}`,
        visibility: "paid",
        body: `Intro.\n\n<!-- paywall -->\n\n${w2} ${w2} ${w2}.`,
      });
    const readable = `Followers story ${newId(4)}`;
    await makePost(env, creator, {
      title: readable,
      visibility: "followers",
      body: `Intro.\n\n<!-- paywall -->\n\nA much longer paragraph about many other things, where ${w2} is mentioned once among all the other words of it.`,
    });
    const follower = await makeUser(env);
    await followCreator(env, follower.viewer, creator.handle);
    const payer = await makeUser(env);
    const now = nowSeconds();
    const tierId = `tier_${newId(8)}`;
    const db = getDb(env);
    await db.batch([
      db
        .insert(tiers)
        .values({ id: tierId, creatorId: creator.id, name: "Pro", pricing: "fixed", monthlyAmount: 900, createdAt: now, updatedAt: now }),
      db.insert(memberships).values({
        id: newId(),
        stripeSubscriptionId: `sub_${newId(10)}`,
        userId: payer.id,
        creatorId: creator.id,
        tierId,
        status: "active",
        interval: "month",
        amount: 900,
        currency: "usd",
        createdAt: now,
        updatedAt: now,
      }),
    ]);
    Object.assign(v, { creator, w: w2, readable, follower, payer });
  }, 120_000);

  it("a follower finds the one post they may read, on the first page, and nothing of the others", async () => {
    const html = await (await app(`/discover?q=${v.w}&in=posts`, { cookie: await v.follower.cookie() })).text();
    expect(html).toContain(v.readable);
    expect(html).not.toContain("Paid deep dive");
    expect(html).not.toMatch(/cursor=/); // one result, no further page
    // A stranger's answer is exactly a word found nowhere.
    const stranger = await makeUser(env);
    const nowhere = word();
    const a = await (await app(`/discover?q=${v.w}&in=posts`, { cookie: await stranger.cookie() })).text();
    const b = await (await app(`/discover?q=${nowhere}&in=posts`, { cookie: await stranger.cookie() })).text();
    expect(a.replaceAll(v.w, "WORD")).toBe(b.replaceAll(nowhere, "WORD"));
  });

  it("a paying member pages through every match exactly once, best first", async () => {
    const cookie = await v.payer.cookie();
    const seen: string[] = [];
    let url: string | null = `/discover?q=${v.w}&in=posts`;
    for (let pages = 0; url && pages < 20; pages++) {
      const html: string = await (await app(url, { cookie })).text();
      seen.push(...[...html.matchAll(/>((?:Paid deep dive \d+|Followers story) \w{4})</g)].map((m) => m[1]));
      const next: string | undefined = /href="([^"]*cursor=[^"]+)"/.exec(html)?.[1];
      url = next ? next.replaceAll("&amp;", "&") : null;
    }
    expect(seen).toHaveLength(MANY + 1);
    expect(new Set(seen).size).toBe(MANY + 1);
    expect(seen[seen.length - 1]).toBe(v.readable); // the weakest match comes last
  });
});
