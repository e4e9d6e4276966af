import * as v from "valibot";
import { notFound } from "~/lib/errors";
import { parseOrThrow } from "~/lib/validation";
import { creatorGraph } from "~/modules/follows/service.server";
import { countFollowEdges, followerCount } from "~/modules/follows/queries.server";
import { bulkApps, bulkFollowers, bulkSessions, bulkUsers } from "./bulk.server";
import { makeApp, makeCreator } from "./factories.server";

const BenchSeed = v.variant("op", [
  v.object({ op: v.literal("storefront"), apps: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8)), followers: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(5000)) }),
  v.object({ op: v.literal("apps"), count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2500)), seed: v.pipe(v.number(), v.integer()) }),
  v.object({ op: v.literal("users"), count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2500)) }),
  v.object({ op: v.literal("flush"), creatorId: v.string() }),
  v.object({ op: v.literal("counts"), creatorId: v.string() }),
]);

const CATS = ["chatbot", "agent", "automation", "voice", "coding", "research", "data", "design"];

/** POST /dev/bench-seed — development only (404 elsewhere); every request is bounded in size. */
export async function benchSeed(env: Env, input: unknown) {
  if (env.APP_ENV !== "development") throw notFound("Not found");
  const p = parseOrThrow(BenchSeed, input);
  switch (p.op) {
    case "storefront": {
      const c = await makeCreator(env, { displayName: "Bench Creator", bio: "A **realistic** storefront: apps, screenshots, followers.", avatarColors: ["#0ea5e9", "#6366f1"], links: { website: "https://example.com" } });
      for (let i = 0; i < p.apps; i++) {
        await makeApp(env, c, {
          name: `Bench App ${i + 1}`,
          tagline: "An AI helper that drafts, summarises and answers — fast.",
          description: "## What it does\n\nDrafts replies, **summarises** threads and answers questions about your documents.\n\n- Works with Gmail and Slack\n- Private by default",
          category: CATS[i % CATS.length],
          techStack: ["OpenAI", "Claude", "TypeScript", "React"],
          logoColors: ["#f59e0b", "#ef4444"],
          screenshots: 3,
        });
      }
      const { count } = await bulkFollowers(env, c.id, p.followers);
      return { handle: c.handle, creatorId: c.id, followers: count };
    }
    case "apps":
      return bulkApps(env, p.count, p.seed);
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
      return { doCount: summary.count, doRows: summary.rows, pending: summary.pending, d1Edges: await countFollowEdges(env, p.creatorId), d1Count: await followerCount(env, p.creatorId) };
    }
  }
}
