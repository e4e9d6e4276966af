import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { makeUser } from "~/modules/demo/factories.server";
import { buy, payingMember, publishedProduct } from "~/test/money";
import { deliver } from "~/test/stripe";
import { apiClient, tokenFor } from "~/test/api";
import { app, postForm } from "~/test/http";

const SCOPES = ["licenses:read", "licenses:write"] as const;

describe("license keys for a product", () => {
  it("are granted on payment, activate up to the limit exactly under concurrency, and stop at once on a refund", async () => {
    const product = await publishedProduct("12.00");
    const client = apiClient(await tokenFor(product.seller.viewer, [...SCOPES]));
    const policy = await client.PUT("/license-policies/{offerId}", {
      params: { path: { offerId: product.id } },
      body: { activationLimit: 2 },
    });
    expect(policy.data).toEqual({ offerId: product.id, offerType: "product", activationLimit: 2 });

    const buyer = await makeUser(env);
    const before = await client.GET("/entitlements", { params: { query: { customer_email: buyer.email } } });
    expect(before.data).toMatchObject({ hasAccess: false, products: [], licenses: [] });

    const { sessionId } = await buy(product.id, product.seller.handle, product.slug, await buyer.cookie());
    await deliver(buyer.id);
    const ent = await client.GET("/entitlements", { params: { query: { customer_email: buyer.email.toUpperCase() } } });
    expect(ent.data).toMatchObject({ hasAccess: true, products: [{ productId: product.id }] });
    expect(ent.data!.licenses).toHaveLength(1);
    const key = ent.data!.licenses[0].key;
    expect(key).toMatch(/^ATK-[0-9A-F]{24}$/);
    expect(ent.data!.licenses[0]).toMatchObject({ status: "active", valid: true, activations: { used: 0, limit: 2 } });

    // Six instances at once against a limit of two: exactly two win.
    const tries = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.POST("/licenses/activate", { body: { key, instance: `machine-${i}` } })),
    );
    expect(tries.filter((t) => t.response.status === 200)).toHaveLength(2);
    expect(tries.filter((t) => t.response.status === 409)).toHaveLength(4);
    const won = tries.find((t) => t.response.status === 200)!.data!;
    const again = await client.POST("/licenses/activate", { body: { key, instance: (await activeInstances(key))[0] } });
    expect(again.data).toMatchObject({ valid: true, activations: { used: 2, limit: 2 }, instanceActivated: true });
    expect(won.activations.used).toBeGreaterThanOrEqual(1);
    const freed = await client.POST("/licenses/deactivate", { body: { key, instance: (await activeInstances(key))[0] } });
    expect(freed.data!.activations.used).toBe(1);

    // Full refund: the entitlement (cached a moment ago) and the key are gone on the next call.
    const session = await getStripe(env).checkout.sessions.retrieve(sessionId);
    await getStripe(env).refunds.create({ payment_intent: String(session.payment_intent) });
    await deliver(buyer.id, String(session.payment_intent));
    const after = await client.GET("/entitlements", { params: { query: { customer_email: buyer.email } } });
    expect(after.data).toMatchObject({ hasAccess: false, products: [] });
    expect(after.data!.licenses[0]).toMatchObject({ status: "inactive", valid: false });
    const verify = await client.POST("/licenses/verify", { body: { key } });
    expect(verify.data).toMatchObject({ valid: false, status: "inactive" });
    expect((await client.POST("/licenses/activate", { body: { key, instance: "new-machine" } })).response.status).toBe(409);
  });

  it("another creator's token can't see or verify the key", async () => {
    const product = await publishedProduct("3.00");
    const owner = apiClient(await tokenFor(product.seller.viewer, [...SCOPES]));
    await owner.PUT("/license-policies/{offerId}", { params: { path: { offerId: product.id } }, body: {} });
    const buyer = await makeUser(env);
    await buy(product.id, product.seller.handle, product.slug, await buyer.cookie());
    await deliver(buyer.id);
    const key = (await owner.GET("/entitlements", { params: { query: { customer_email: buyer.email } } })).data!.licenses[0].key;
    const other = await makeUser(env);
    const intruder = apiClient(await tokenFor(other.viewer, [...SCOPES]));
    expect((await intruder.POST("/licenses/verify", { body: { key } })).response.status).toBe(404);
    expect((await intruder.GET("/entitlements", { params: { query: { customer_email: buyer.email } } })).data).toMatchObject({
      hasAccess: false,
      licenses: [],
    });
    expect(
      (await intruder.PUT("/license-policies/{offerId}", { params: { path: { offerId: product.id } }, body: {} })).response.status,
    ).toBe(404);
  });
});

describe("license keys for a tier", () => {
  it("existing members get keys when the policy is set; cancellation revokes at once", async () => {
    const { seller, tierId, member, sub } = await payingMember();
    const client = apiClient(await tokenFor(seller.viewer, [...SCOPES]));
    await client.PUT("/license-policies/{offerId}", { params: { path: { offerId: tierId } }, body: {} });
    const ent = await client.GET("/entitlements", { params: { query: { customer_email: member.email } } });
    expect(ent.data).toMatchObject({ hasAccess: true, memberships: [{ tierId, status: "active" }] });
    expect(ent.data!.licenses).toEqual([expect.objectContaining({ tierId, valid: true, activations: { used: 0, limit: null } })]);
    await getStripe(env).subscriptions.cancel(sub);
    await deliver(sub);
    const after = await client.GET("/entitlements", { params: { query: { customer_email: member.email } } });
    expect(after.data).toMatchObject({ hasAccess: false, memberships: [] });
    expect(after.data!.licenses[0]).toMatchObject({ valid: false });
  });

  it("entitlements need a valid email (422) and the licenses:read scope (403)", async () => {
    const creator = await makeUser(env);
    const client = apiClient(await tokenFor(creator.viewer, ["licenses:read"]));
    const bad = await client.GET("/entitlements", { params: { query: { customer_email: "not-an-email" } } });
    expect(bad.response.status).toBe(422);
    const noScope = apiClient(await tokenFor(creator.viewer, ["apps:read"]));
    expect((await noScope.GET("/entitlements", { params: { query: { customer_email: "a@b.co" } } })).response.status).toBe(403);
  });
});

describe("the dashboard's license keys page", () => {
  it("turns keys on for a product (backfilling earlier buyers), lists them, and refuses other creators' offers", async () => {
    const product = await publishedProduct("4.00");
    const buyer = await makeUser(env);
    await buy(product.id, product.seller.handle, product.slug, await buyer.cookie());
    await deliver(buyer.id);
    const cookie = product.cookie;
    const saved = await postForm("/dashboard/licenses", { intent: "grant", offerId: product.id, activationLimit: "3" }, { cookie });
    expect(saved.status).toBe(200);
    const page = await (await app("/dashboard/licenses", { cookie })).text();
    expect(page).toContain("up to 3 activations");
    expect(page).toContain(buyer.email);
    expect(page).toMatch(/ATK-[0-9A-F]{24}/);
    const other = await makeUser(env);
    const refused = await postForm("/dashboard/licenses", { intent: "grant", offerId: product.id }, { cookie: await other.cookie() });
    expect(refused.status).toBe(404);
    const bad = await postForm("/dashboard/licenses", { intent: "grant", offerId: product.id, activationLimit: "0" }, { cookie });
    expect(bad.status).toBe(422);
    const limit = await env.DB.prepare("SELECT activation_limit AS l FROM license_policies WHERE offer_id = ?")
      .bind(product.id)
      .first<{ l: number }>();
    expect(limit!.l).toBe(3);
  });
});

async function activeInstances(key: string) {
  const rows = await env.DB.prepare(
    "SELECT instance FROM license_activations WHERE license_id = (SELECT id FROM license_keys WHERE key = ?) ORDER BY instance",
  )
    .bind(key)
    .all<{ instance: string }>();
  return rows.results.map((r) => r.instance);
}
