import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { anonymousPageKey, forgetVersions } from "~/modules/discovery/edge-pages.server";
import { app, postForm } from "~/test/http";
import { makeCreator } from "~/modules/demo/factories.server";
import { markSeatsChanged } from "~/modules/tiers/seats.server";
import { getDb } from "~/lib/db.server";
import { tiers } from "~/modules/tiers/schema";

describe("storefront cache key and seats", () => {
  it("changes when a capped tier's seats change, so 'seats left' is never stale", async () => {
    const c = await makeCreator(env);
    await getDb(env)
      .insert(tiers)
      .values({
        id: `t_${c.handle}`,
        creatorId: c.id,
        name: "Inner circle",
        description: "",
        benefits: [],
        pricing: "free",
        currency: "usd",
        maxSubscribers: 5,
        status: "active",
        position: 0,
        createdAt: 1,
        updatedAt: 1,
      } as typeof tiers.$inferInsert);
    const url = new URL(`http://localhost/@${c.handle}`);
    const before = (await anonymousPageKey(env, url))!.key;
    await markSeatsChanged(env, `t_${c.handle}`);
    forgetVersions(); // the key's derivation is under test here, not the per-isolate memo (D29, below)
    const after = (await anonymousPageKey(env, url))!.key;
    expect(after).not.toBe(before);
  });
});

describe("the per-isolate version memo (D29)", () => {
  it("reuses a version for up to EDGE_VERSION_TTL_MS, then re-reads; an edit through the Worker shows to the very next visitor", async () => {
    const ttl = Number(env.EDGE_VERSION_TTL_MS);
    expect(ttl).toBeGreaterThan(0); // the deployed default (wrangler.toml)
    const c = await makeCreator(env, { displayName: "Before Name" });
    const url = new URL(`http://localhost/@${c.handle}`);
    const k1 = (await anonymousPageKey(env, url))!.key;
    // A change another isolate made (straight into D1): this isolate may keep the old key for up to the TTL…
    await env.DB.prepare("UPDATE creators SET version = version + 1 WHERE user_id = ?").bind(c.id).run();
    expect((await anonymousPageKey(env, url))!.key).toBe(k1);
    // …and no longer.
    await new Promise((r) => setTimeout(r, ttl + 50));
    expect((await anonymousPageKey(env, url))!.key).not.toBe(k1);

    // Cached anonymously, then edited through this Worker: the next anonymous view is the new page.
    expect((await app(`/@${c.handle}`)).headers.get("X-Edge-Cache")).toBe("MISS");
    const cached = await app(`/@${c.handle}`);
    expect(cached.headers.get("X-Edge-Cache")).toBe("HIT");
    expect(await cached.text()).toContain("Before Name");
    const edit = await postForm(
      "/settings/profile",
      { intent: "update-profile", handle: c.handle, displayName: "After Name", bio: "" },
      { cookie: await c.cookie() },
    );
    expect(edit.status).toBeLessThan(400);
    const next = await app(`/@${c.handle}`);
    expect(next.headers.get("X-Edge-Cache")).toBe("MISS");
    const html = await next.text();
    expect(html).toContain("After Name");
    expect(html).not.toContain("Before Name");
  });
});
