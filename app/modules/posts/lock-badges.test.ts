/**
 * Per-reader lock badges (D70): every gated card names the offer that unlocks it; a reader sees
 * "Unlocked" on what they may read. The anonymous storefront stays one cached document, the shared
 * signed-in page is the same for everyone, and each reader's unlocked cards come from /viewer.json.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { app } from "~/test/http";
import { makeApp, makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { memberships, orders } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";

type Creator = Awaited<ReturnType<typeof makeCreator>>;
type User = Awaited<ReturnType<typeof makeUser>>;
const KINDS = ["pub", "fol", "paid", "inner", "outer", "prod", "draftProd"] as const;
type Kind = (typeof KINDS)[number];

const w = {} as {
  creator: Creator;
  innerId: string;
  outerId: string;
  productId: string;
  appSlug: string;
  posts: Record<Kind, { id: string; title: string }>;
  viewers: Record<string, User>;
};

/** Which card (by post title) carries which badge in a rendered page. */
function badges(html: string): Record<Kind, "locked" | "unlocked" | "none"> {
  const out = {} as Record<Kind, "locked" | "unlocked" | "none">;
  const cards = html.split("<article").slice(1);
  for (const k of KINDS) {
    const card = cards.find((c) => c.includes(w.posts[k].title));
    const m = card ? /data-lock="(locked|unlocked)"/.exec(card.split("</article>")[0]) : null;
    out[k] = m ? (m[1] as "locked" | "unlocked") : "none";
  }
  return out;
}

const expected = (unlocked: Kind[]): Record<Kind, string> =>
  Object.fromEntries(KINDS.map((k) => [k, k === "pub" ? "none" : unlocked.includes(k) ? "unlocked" : "locked"])) as Record<Kind, string>;

beforeAll(async () => {
  const creator = await makeCreator(env);
  const db = getDb(env);
  const now = nowSeconds();
  const [innerId, outerId, productId, draftProductId] = [`tier_${newId(8)}`, `tier_${newId(8)}`, `prod_${newId(8)}`, `prod_${newId(8)}`];
  const product = (id: string, title: string, status: string) =>
    db.insert(products).values({
      id,
      creatorId: creator.id,
      type: "template",
      title,
      slug: `kit-${newId(5)}`,
      priceAmount: 1900,
      currency: "usd",
      status,
      createdAt: now,
      updatedAt: now,
    });
  await db.batch([
    db.insert(tiers).values({
      id: innerId,
      creatorId: creator.id,
      name: "Inner circle",
      pricing: "fixed",
      monthlyAmount: 900,
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(tiers).values({ id: outerId, creatorId: creator.id, name: "Outer ring", pricing: "free", createdAt: now, updatedAt: now }),
    product(productId, "Booking-bot kit", "published"),
    product(draftProductId, "Secret unreleased thing", "draft"),
  ]);
  const theApp = await makeApp(env, creator, { name: `Booker ${newId(4)}` });
  const mk = async (title: string, spec: Parameters<typeof makePost>[2]) => ({
    id: (
      await makePost(env, creator, {
        title,
        body: spec?.visibility ? `Open part.\n\n<!-- paywall -->\n\nHidden ${title}.` : "All of it is public.",
        ...spec,
      })
    ).id,
    title,
  });
  // Oldest first, so all seven fit in the storefront's latest ten.
  const posts = {
    pub: await mk(`Public note ${newId(4)}`, {}),
    fol: await mk(`For followers ${newId(4)}`, { visibility: "followers", appId: theApp.id }),
    paid: await mk(`For paying ${newId(4)}`, { visibility: "paid" }),
    inner: await mk(`For inner ${newId(4)}`, { visibility: "tiers", tierIds: [innerId], appId: theApp.id }),
    outer: await mk(`For outer ${newId(4)}`, { visibility: "tiers", tierIds: [outerId] }),
    prod: await mk(`For buyers ${newId(4)}`, { visibility: "product", productId, appId: theApp.id }),
    draftProd: await mk(`For draft buyers ${newId(4)}`, { visibility: "product", productId: draftProductId }),
  };

  const viewers = {
    follower: await makeUser(env),
    innerMember: await makeUser(env),
    outerMember: await makeUser(env),
    buyer: await makeUser(env),
    refunded: await makeUser(env),
    stranger: await makeUser(env),
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
  Object.assign(w, { creator, innerId, outerId, productId, appSlug: theApp.slug, posts, viewers });
});

/** What each kind of reader may read past the preview. */
const ACCESS: Record<string, Kind[]> = {
  stranger: [],
  follower: ["fol"],
  innerMember: ["fol", "paid", "inner"], // any live membership counts as following; a paid one unlocks "paid"
  outerMember: ["fol", "outer"], // a free membership: not a paying member
  buyer: ["prod"],
  refunded: [], // a refund revokes access
};

describe("lock badges on the storefront", () => {
  it("anonymous: one cached page, every gated card locked with the offer that unlocks it", async () => {
    const path = `/@${w.creator.handle}`;
    const first = await app(path);
    const html = await first.text();
    expect(badges(html)).toEqual(expected([]));
    expect(html).toContain(`Followers of ${w.creator.displayName}`);
    expect(html).toContain(`Paying members of ${w.creator.displayName}`);
    expect(html).toContain("Members of Inner circle");
    expect(html).toContain("Members of Outer ring");
    expect(html).toContain("Buyers of Booking-bot kit");
    // A draft product's title is not public: its posts say only that a product unlocks them.
    expect(html).not.toContain("Secret unreleased thing");
    expect(html).toContain(`Buyers of a ${w.creator.displayName} product`);
    expect(html).not.toContain("Hidden ");
    const again = await app(path);
    expect(again.headers.get("X-Edge-Cache")).toBe("HIT");
    expect(await again.text()).toBe(html);
  });

  for (const [who, unlocked] of Object.entries(ACCESS)) {
    it(`${who}: their own render and /viewer.json unlock exactly what they may read`, async () => {
      const cookie = await w.viewers[who].cookie();
      // No-script / per-viewer render: decided on the server.
      const own = await app(`/@${w.creator.handle}`, { cookie });
      expect(own.headers.get("X-Edge-Cache")).toBeNull();
      const html = await own.text();
      expect(badges(html)).toEqual(expected(unlocked));
      expect(html).not.toContain("Hidden ");
      // Shared page (scripts run): the same locked document for everyone, the rest from /viewer.json.
      const shared = await (await app(`/@${w.creator.handle}`, { cookie: `${cookie}; at_js=1` })).text();
      expect(badges(shared)).toEqual(expected([]));
      const vj = await app(`/viewer.json?storefront=${w.creator.handle}`, { cookie });
      expect(vj.headers.get("Cache-Control")).toContain("no-store");
      const body = (await vj.json()) as { storefront: { unlocked: string[] } };
      expect(new Set(body.storefront.unlocked)).toEqual(new Set(unlocked.map((k) => w.posts[k].id)));
    });
  }

  it("the owner reads everything", async () => {
    const owner = await w.creator.cookie();
    const html = await (await app(`/@${w.creator.handle}`, { cookie: owner })).text();
    expect(badges(html)).toEqual(expected(["fol", "paid", "inner", "outer", "prod", "draftProd"]));
    const body = (await (await app(`/viewer.json?storefront=${w.creator.handle}`, { cookie: owner })).json()) as {
      storefront: { unlocked: string[] };
    };
    expect(body.storefront.unlocked).toHaveLength(6);
  });
});

describe("lock badges on app pages", () => {
  it("name the offer for outsiders and say Unlocked to readers with access", async () => {
    const path = `/apps/${w.appSlug}`;
    const anon = await (await app(path)).text();
    expect(anon).toContain("Members of Inner circle");
    expect(anon).toContain("Buyers of Booking-bot kit");
    expect(anon).not.toContain('data-lock="unlocked"');
    const asMember = await (await app(path, { cookie: await w.viewers.innerMember.cookie() })).text();
    const b = badges(asMember);
    expect([b.fol, b.inner, b.prod]).toEqual(["unlocked", "unlocked", "locked"]);
    const asBuyer = badges(await (await app(path, { cookie: await w.viewers.buyer.cookie() })).text());
    expect([asBuyer.fol, asBuyer.inner, asBuyer.prod]).toEqual(["locked", "locked", "unlocked"]);
  });
});

/** The offer label each gated kind must carry wherever its lock shows. */
const OFFER = (): Record<Exclude<Kind, "pub">, string> => ({
  fol: `Followers of ${w.creator.displayName}`,
  paid: `Paying members of ${w.creator.displayName}`,
  inner: "Members of Inner circle",
  outer: "Members of Outer ring",
  prod: "Buyers of Booking-bot kit",
  draftProd: `Buyers of a ${w.creator.displayName} product`,
});

/** The text of the lock badge on the card of this post (by title), or null. */
function badgeText(html: string, title: string): string | null {
  const card = html
    .split("<article")
    .slice(1)
    .find((c) => c.includes(title));
  const m = card ? /<span data-lock="locked"[^>]*>([\s\S]*?)<span class="sr-only">/.exec(card) : null;
  return m
    ? m[1]
        .replace(/<!-- -->/g, "")
        .replace(/<[^>]+>/g, "")
        .trim()
    : null;
}

describe("lock badges in the feed", () => {
  // Each reader follows the creator (so every post reaches their feed) and holds one kind of access.
  const FEED_ACCESS: Record<string, Kind[]> = {
    follower: ["fol"],
    innerMember: ["fol", "paid", "inner"],
    outerMember: ["fol", "outer"],
    buyer: ["fol", "prod"],
    refunded: ["fol"],
  };
  for (const [who, unlocked] of Object.entries(FEED_ACCESS)) {
    it(`${who}: every locked card names the exact offer, what they may read says Unlocked`, async () => {
      const reader = w.viewers[who];
      if (who !== "follower") await followCreator(env, reader.viewer, w.creator.handle);
      const cookie = await reader.cookie();
      let html = "";
      for (let i = 0; i < 100; i++) {
        html = await (await app("/feed", { cookie })).text();
        if (KINDS.every((k) => html.includes(w.posts[k].title))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(badges(html)).toEqual(expected(unlocked));
      for (const [k, label] of Object.entries(OFFER()) as [Exclude<Kind, "pub">, string][]) {
        if (unlocked.includes(k)) continue;
        expect(badgeText(html, w.posts[k].title), `${who}: ${k}`).toBe(label);
      }
      expect(html).not.toContain("Secret unreleased thing");
      expect(html).not.toContain("Hidden ");
      // The client navigation's data names the same offers.
      const data = await (await app("/feed.data", { cookie })).text();
      for (const [k, label] of Object.entries(OFFER())) if (!unlocked.includes(k as Kind)) expect(data).toContain(label);
    });
  }
});

describe("lock badges on a post page and in RSS", () => {
  it("the post page's badge and call to action name the offer; the anonymous page stays cached", async () => {
    const p = w.posts.inner;
    const slug = (await (await app(`/@${w.creator.handle}`)).text()).match(
      new RegExp(`/@${w.creator.handle}/posts/([\\w-]+)"[^>]*>${p.title}`),
    )?.[1];
    expect(slug).toBeTruthy();
    const path = `/@${w.creator.handle}/posts/${slug}`;
    const anon = await (await app(path)).text();
    expect(anon).toContain('data-lock="locked"');
    expect(anon).toContain("Members of Inner circle");
    expect((await app(path)).headers.get("X-Edge-Cache")).toBe("HIT");
    const member = await (await app(path, { cookie: await w.viewers.innerMember.cookie() })).text();
    expect(member).toContain('data-lock="unlocked"');
    expect(member).toContain("Hidden ");
  });

  it("the public feed says which offer unlocks the rest", async () => {
    const xml = await (await app(`/@${w.creator.handle}/feed.xml`)).text();
    expect(xml).toContain("The rest of this post is for members of Inner circle.");
    expect(xml).toContain("The rest of this post is for buyers of Booking-bot kit.");
    expect(xml).not.toContain("Secret unreleased thing");
  });
});

describe("the creator's own post list", () => {
  it("says who each post is for by the same offer names", async () => {
    const html = await (await app("/dashboard/posts", { cookie: await w.creator.cookie() })).text();
    expect(html).toContain("Members of Inner circle");
    expect(html).toContain("Buyers of Booking-bot kit");
    expect(html).toContain(`Paying members of ${w.creator.displayName}`);
  });
});
