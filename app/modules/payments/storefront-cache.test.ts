import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { anonymousPageKey } from "~/modules/discovery/edge-pages.server";
import { makeCreator } from "~/modules/demo/factories.server";
import { markSeatsChanged } from "~/modules/tiers/seats.server";
import { getDb } from "~/lib/db.server";
import { tiers } from "~/modules/tiers/schema";

describe("storefront cache key and seats", () => {
  it("changes when a capped tier's seats change, so 'seats left' is never stale", async () => {
    const c = await makeCreator(env);
    await getDb(env).insert(tiers).values({
      id: `t_${c.handle}`, creatorId: c.id, name: "Inner circle", description: "", benefits: [], pricing: "free",
      currency: "usd", maxSubscribers: 5, status: "active", position: 0, createdAt: 1, updatedAt: 1,
    } as typeof tiers.$inferInsert);
    const url = new URL(`http://localhost/@${c.handle}`);
    const before = (await anonymousPageKey(env, url))!.key;
    await markSeatsChanged(env, `t_${c.handle}`);
    const after = (await anonymousPageKey(env, url))!.key;
    expect(after).not.toBe(before);
  });
});
