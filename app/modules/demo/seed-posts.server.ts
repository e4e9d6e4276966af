/**
 * Demo posts: every demo creator gets a public tutorial, a followers-only build log with
 * a free preview, and — where they sell something — a post for paying members or buyers. The demo
 * visitor follows everyone, so publishing fans out through the queue into their feed, their bell
 * and the dev mailbox exactly as for real.
 */
import type { Viewer } from "~/modules/identity/auth.server";
import { listOfferings } from "~/modules/content/offerings.server";
import { followCreator } from "~/modules/follows/service.server";
import { makePost } from "./factories.server";

const CODE_TUTORIAL = (topic: string) => `Here is the smallest version of ${topic} that actually works in production.

## The loop

\`\`\`ts
// Retry a model call with exponential backoff.
export async function withRetry<T>(fn: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i + 1 >= tries) throw e;
      await new Promise((r) => setTimeout(r, 250 * 2 ** i));
    }
  }
}
\`\`\`

Keep prompts in version control and **evaluate every change** against a fixed set of examples.`;

const BUILD_LOG = (
  what: string,
) => `This week I shipped ${what}. The short version: it works, users like it, and it cost less than I feared.

<!-- paywall -->

## The numbers

- 412 conversations, 9 escalations to a human
- Median latency 1.8 s after caching the system prompt
- Total model spend: $23.40

The full breakdown, including the prompt that cut escalations in half, is below.

> Don't let the model guess dates — give it today's date in the system prompt.`;

const MEMBERS_ONLY = (what: string) => `A look behind the scenes of ${what}, for the people who make this possible.

---paywall---

Here is the complete playbook with every template I use, plus the pricing experiment results.

1. Start with one workflow and one customer.
2. Charge from day one.
3. Automate the follow-up, never the first reply.`;

const PLAN: Record<string, { tutorial: string; log: string; members: string }> = {
  "maya-builds": { tutorial: "a booking agent", log: "the bookkeeping bot beta", members: "how I price agent retainers" },
  promptsmith: { tutorial: "a prompt eval harness", log: "my support prompt pack v2", members: "the course curriculum" },
  "lena-voice": { tutorial: "streaming speech-to-text", log: "pronunciation scoring", members: "my voice pipeline" },
  "sam-automates": { tutorial: "a Sheets-to-LLM pipeline", log: "the Notion triage bot", members: "client onboarding" },
  "data-ade": { tutorial: "RAG with citations", log: "the research assistant eval", members: "my retrieval benchmarks" },
};

export async function seedPosts(env: Env, creators: Record<string, Viewer>, visitor: Viewer) {
  for (const handle of Object.keys(creators)) await followCreator(env, visitor, handle);
  for (const [handle, viewer] of Object.entries(creators)) {
    const plan = PLAN[handle];
    if (!plan) continue;
    const who = { viewer };
    await makePost(env, who, { title: `Tutorial: ${plan.tutorial} in 40 lines`, body: CODE_TUTORIAL(plan.tutorial), visibility: "public" });
    await makePost(env, who, {
      title: `Build log: ${plan.log}`,
      body: BUILD_LOG(plan.log),
      visibility: "followers",
      excerpt: `What shipping ${plan.log} taught me this week.`,
    });
    const offers = await listOfferings(env, viewer.id);
    if (offers.tiers.length) {
      await makePost(env, who, {
        title: `Members only: ${plan.members}`,
        body: MEMBERS_ONLY(plan.members),
        visibility: "tiers",
        tierIds: [offers.tiers[0].id],
      });
    } else if (offers.products.length) {
      await makePost(env, who, {
        title: `For buyers: ${plan.members}`,
        body: MEMBERS_ONLY(plan.members),
        visibility: "product",
        productId: offers.products[0].id,
      });
    } else {
      await makePost(env, who, {
        title: `Draft: ${plan.members}`,
        body: MEMBERS_ONLY(plan.members),
        visibility: "followers",
        status: "draft",
      });
    }
  }
}
