import * as v from "valibot";
import { seedAnalytics } from "./seed-analytics.server";
import { notFound } from "~/lib/errors";
import { parseOrThrow } from "~/lib/validation";
import { creatorGraph } from "~/modules/follows/service.server";
import { countFollowEdges, followerCount } from "~/modules/follows/queries.server";
import { bulkApps, bulkFollowers, bulkSessions, bulkUsers } from "./bulk.server";
import { completeEmulatorOnboarding, makeApp, makeCreator, makePost } from "./factories.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { placeholderPng } from "~/modules/media/placeholder.server";
import { createProduct, setProductCover, setProductStatus } from "~/modules/products/service.server";
import { saveTier } from "~/modules/tiers/service.server";
import { file, pdf } from "./seed-payments.server";
import { seedBenchCommunity } from "./bench-community.server";
import { countVoteRows, findFeedback } from "~/modules/community/queries.server";

const BenchSeed = v.variant("op", [
  v.object({
    op: v.literal("storefront"),
    apps: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8)),
    followers: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(5000)),
    /** Products, tiers (one capped) and posts too; needs the local Stripe emulator. Default true. */
    offerings: v.optional(v.boolean(), true),
  }),
  v.object({
    op: v.literal("apps"),
    count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2500)),
    seed: v.pipe(v.number(), v.integer()),
  }),
  v.object({ op: v.literal("users"), count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2500)) }),
  v.object({ op: v.literal("flush"), creatorId: v.string() }),
  v.object({ op: v.literal("counts"), creatorId: v.string() }),
  /** An app with `comments` comments and a `items`-item feedback board, plus `voters` verified people with sessions. */
  v.object({
    op: v.literal("community"),
    comments: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
    items: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500)),
    voters: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2500)),
  }),
  v.object({ op: v.literal("votes"), itemId: v.string() }),
  /** A creator with 2 apps and `days` days of analytics rollups (and a session to open the page). */
  v.object({ op: v.literal("analytics"), days: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(730)) }),
  /** Views counted today (UTC) for a creator, from the rollups. */
  v.object({ op: v.literal("analyticsViews"), creatorId: v.string() }),
]);

const BODY = `I shipped this week's update to the booking assistant. Here is what changed, what broke and what I learned.

## What changed

- Replies now cite the calendar slot they offer.
- The **triage prompt** routes cancellations to a human.

\`\`\`ts
const slot = await calendar.next({ after: now, minutes: 30 });
\`\`\`

<!-- paywall -->

## The numbers

Conversion went from 18% to 26% over 400 conversations. The full prompt and the eval set are below.`;

/**
 * What the bench's "realistic storefront" holds besides apps: two published products (one with a
 * cover), three tiers (free, a fixed-price tier capped at 50 seats, pay-what-you-want) and six
 * posts across the visibility kinds, created through the real services and the local Stripe
 * emulator (onboarding, tier prices).
 */
async function benchOfferings(env: Env, viewer: Viewer) {
  await completeEmulatorOnboarding(env, viewer);
  const kit = await createProduct(env, viewer, {
    type: "template",
    title: "Booking-bot starter kit",
    slug: "booking-bot-kit",
    price: "29",
    currency: "usd",
    description:
      "Everything I use to ship **AI booking assistants**:\n\n- n8n + OpenAI workflow\n- Prompt set with guardrails\n- A setup guide (PDF)",
  });
  await file(env, viewer, kit.id, "setup-guide.pdf", pdf("Booking-bot setup guide"));
  await setProductCover(env, viewer, kit.id, new Blob([(await placeholderPng(640, 360, "#0ea5e9", "#6366f1")) as BlobPart]).stream());
  await setProductStatus(env, viewer, kit.id, "published");
  const pack = await createProduct(env, viewer, {
    type: "prompt_pack",
    title: "Support triage prompts",
    slug: "support-triage-prompts",
    price: "12.50",
    currency: "usd",
    description: "40 prompts that classify, summarise and route support tickets.",
  });
  await file(env, viewer, pack.id, "prompts.md", new TextEncoder().encode("# Support triage prompts\n\n1. Classify the ticket…\n"));
  await setProductStatus(env, viewer, pack.id, "published");
  await saveTier(env, viewer, null, {
    name: "Followers",
    pricing: "free",
    currency: "usd",
    description: "Build logs in your inbox.",
    benefits: "Weekly build log\nCommunity Q&A",
  });
  const inner = await saveTier(env, viewer, null, {
    name: "Inner circle",
    pricing: "fixed",
    currency: "usd",
    monthly: "15",
    annual: "150",
    maxSubscribers: "50",
    description: "Small group, real feedback.",
    benefits: "Monthly group call\nPrivate Discord\nCode reviews",
  });
  await saveTier(env, viewer, null, {
    name: "Supporter",
    pricing: "pwyw",
    currency: "usd",
    minimum: "3",
    description: "Chip in what you like.",
    benefits: "Name in the credits\nEarly access",
  });
  const posts: [string, Parameters<typeof makePost>[2]][] = [
    ["public", {}],
    ["public", {}],
    ["public", {}],
    ["followers", { visibility: "followers" }],
    ["tiers", { visibility: "tiers", tierIds: [inner.id] }],
    ["product", { visibility: "product", productId: kit.id }],
  ];
  for (const [i, [kind, spec]] of posts.entries())
    await makePost(env, { viewer }, { title: `Build log ${i + 1}: ${kind} update`, body: BODY, ...spec });
  return { products: 2, tiers: 3, posts: posts.length };
}

const CATS = ["chatbot", "agent", "automation", "voice", "coding", "research", "data", "design"];

/** POST /dev/bench-seed — development only (404 elsewhere); every request is bounded in size. */
export async function benchSeed(env: Env, input: unknown) {
  if (env.APP_ENV !== "development") throw notFound("Not found");
  const p = parseOrThrow(BenchSeed, input);
  switch (p.op) {
    case "storefront": {
      const c = await makeCreator(env, {
        displayName: "Bench Creator",
        bio: "A **realistic** storefront: apps, screenshots, followers.",
        avatarColors: ["#0ea5e9", "#6366f1"],
        links: { website: "https://example.com" },
      });
      for (let i = 0; i < p.apps; i++) {
        await makeApp(env, c, {
          name: `Bench App ${i + 1}`,
          tagline: "An AI helper that drafts, summarises and answers — fast.",
          description:
            "## What it does\n\nDrafts replies, **summarises** threads and answers questions about your documents.\n\n- Works with Gmail and Slack\n- Private by default",
          category: CATS[i % CATS.length],
          techStack: ["OpenAI", "Claude", "TypeScript", "React"],
          logoColors: ["#f59e0b", "#ef4444"],
          screenshots: 3,
        });
      }
      const offerings = p.offerings ? await benchOfferings(env, c.viewer) : null;
      // Followers last, so the posts above fan out to no one while the benchmark runs.
      const { count } = await bulkFollowers(env, c.id, p.followers);
      return { handle: c.handle, creatorId: c.id, followers: count, offerings };
    }
    case "apps":
      return bulkApps(env, p.count, p.seed);
    case "community":
      return seedBenchCommunity(env, p);
    case "analytics": {
      const c = await makeCreator(env, { displayName: "Analytics Bench" });
      for (let i = 0; i < 2; i++) await makeApp(env, c, { name: `Analytics App ${i + 1}` });
      await seedAnalytics(env, [{ id: c.id, handle: c.handle }], Date.now() - 86_400_000, p.days, false);
      return { handle: c.handle, creatorId: c.id, cookie: await c.cookie() };
    }
    case "analyticsViews": {
      const row = await env.DB.prepare(
        "SELECT COALESCE(SUM(views), 0) AS n FROM analytics_daily WHERE creator_id = ?1 AND item_kind = 'creator' AND day >= ?2",
      )
        .bind(p.creatorId, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10))
        .first<{ n: number }>();
      return { views: row?.n ?? 0 };
    }
    case "votes":
      return { rows: await countVoteRows(env, p.itemId), stored: (await findFeedback(env, p.itemId))?.voteCount ?? null };
    case "users": {
      const ids = await bulkUsers(env, p.count, "storm");
      return { ids, cookies: await bulkSessions(env, ids) };
    }
    case "flush": {
      const graph = creatorGraph(env, p.creatorId);
      let left = await graph.flush();
      for (let i = 0; left > 0 && i < 50; i++) left = await graph.flush();
      return { ...(await graph.summary()), pending: left };
    }
    case "counts": {
      const summary = await creatorGraph(env, p.creatorId).summary();
      return {
        doCount: summary.count,
        doRows: summary.rows,
        pending: summary.pending,
        d1Edges: await countFollowEdges(env, p.creatorId),
        d1Count: await followerCount(env, p.creatorId),
      };
    }
  }
}
