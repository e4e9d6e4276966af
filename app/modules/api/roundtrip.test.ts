/**
 * Every endpoint of the table that api.test.ts and the licenses tests don't already round-trip,
 * called through the typed client: what is created reads back the same, an update is visible,
 * and public endpoints never carry gated text.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { bookService } from "~/modules/services/booking.server";
import { apiClient, tokenFor } from "~/test/api";
import { PDF, payingMember, purchased, upload } from "~/test/money";
import { sellerWithService, setAvailability } from "~/test/services";
import { ENDPOINTS } from "./endpoints.server";

const ROUNDTRIPPED_ELSEWHERE = [
  "GET /me",
  "GET /storefront",
  "GET /apps",
  "POST /apps",
  "GET /apps/{slug}",
  "PATCH /apps/{slug}",
  "DELETE /apps/{slug}",
  "POST /apps/{slug}/screenshots",
  "DELETE /apps/{slug}/screenshots/{id}",
  "POST /posts",
  "PATCH /posts/{id}",
  "POST /posts/{id}/publish",
  "GET /followers",
  "GET /entitlements",
  "POST /licenses/verify",
  "POST /licenses/activate",
  "POST /licenses/deactivate",
  "PUT /license-policies/{offerId}",
  "GET /public/storefronts/{handle}/posts",
];
const ROUNDTRIPPED_HERE = [
  "GET /posts",
  "GET /posts/{id}",
  "DELETE /posts/{id}",
  "POST /posts/{id}/schedule",
  "POST /posts/{id}/unpublish",
  ...["products", "tiers", "services"].flatMap((r) => [`GET /${r}`, `POST /${r}`, `GET /${r}/{id}`, `PATCH /${r}/{id}`]),
  "GET /orders",
  "GET /bookings",
  "GET /members",
  "POST /licenses/revoke",
  "GET /license-policies",
  "DELETE /license-policies/{offerId}",
  "GET /public/storefronts/{handle}",
  "GET /public/storefronts/{handle}/apps",
  "GET /public/storefronts/{handle}/offerings",
];

describe("every endpoint round-trips through the typed client", () => {
  it("the table has no endpoint that no test calls", () => {
    const table = ENDPOINTS.map((e) => `${e.method} ${e.path}`).sort();
    expect([...ROUNDTRIPPED_ELSEWHERE, ...ROUNDTRIPPED_HERE].sort()).toEqual(table);
  });

  it("account and public storefront: /me without a storefront, the public profile, apps and gated posts", async () => {
    const fan = await makeUser(env);
    const fanMe = await apiClient(await tokenFor(fan.viewer, ["apps:read"])).GET("/me");
    expect(fanMe.data).toEqual({ id: fan.id, email: fan.email, handle: null, scopes: ["apps:read"] });

    const creator = await makeCreator(env, { bio: "I build *bots*.", links: { website: "https://maker.example" } });
    const client = apiClient(await tokenFor(creator.viewer, ["storefront:read", "apps:write", "posts:write"]));
    const own = await client.GET("/storefront");
    expect(own.data).toMatchObject({ handle: creator.handle, displayName: creator.displayName, bio: "I build *bots*." });
    expect(own.data!.links).toMatchObject({ website: "https://maker.example" });

    const anon = apiClient();
    const sf = await anon.GET("/public/storefronts/{handle}", { params: { path: { handle: creator.handle.toUpperCase() } } });
    expect(sf.response.status).toBe(200);
    expect(sf.response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(sf.data).toEqual(own.data);
    expect((await anon.GET("/public/storefronts/{handle}", { params: { path: { handle: "nobody-here" } } })).response.status).toBe(404);

    const made = await client.POST("/apps", { body: { name: "Echo Bot", appUrl: "https://echo.example", category: "productivity" } });
    expect(made.response.status).toBe(201);
    const apps = await anon.GET("/public/storefronts/{handle}/apps", { params: { path: { handle: creator.handle } } });
    expect(apps.data!.data).toEqual([made.data]);

    const paid = await client.POST("/posts", { body: { title: "Paid deep dive", body: "The hidden prompt", visibility: "paid" } });
    await client.POST("/posts/{id}/publish", { params: { path: { id: paid.data!.id } } });
    const open = await client.POST("/posts", { body: { title: "Hello world", body: "Open text", excerpt: "Hi all" } });
    await client.POST("/posts/{id}/publish", { params: { path: { id: open.data!.id } } });
    const posts = await anon.GET("/public/storefronts/{handle}/posts", { params: { path: { handle: creator.handle } } });
    expect(posts.data!.data.map((p) => [p.title, p.gated, p.excerpt])).toEqual(
      expect.arrayContaining([
        ["Paid deep dive", true, null],
        ["Hello world", false, "Hi all"],
      ]),
    );
    expect(JSON.stringify(posts.data)).not.toContain("hidden prompt");
  });

  it("posts: list, get, schedule, unpublish, delete", async () => {
    const creator = await makeCreator(env);
    const client = apiClient(await tokenFor(creator.viewer, ["posts:read", "posts:write"]));
    const created = await client.POST("/posts", { body: { title: "Launch notes", body: "We shipped **it**.", excerpt: "Shipped" } });
    const id = created.data!.id;
    const got = await client.GET("/posts/{id}", { params: { path: { id } } });
    expect(got.data).toEqual(created.data);
    expect((await client.GET("/posts")).data!.data.map((p) => p.id)).toEqual([id]);

    const badTime = await client.POST("/posts/{id}/schedule", { params: { path: { id } }, body: { publishAt: "tomorrow" } });
    expect(badTime.response.status).toBe(422);
    const when = new Date(Date.now() + 3 * 86_400_000);
    when.setUTCSeconds(0, 0);
    const local = when.toISOString().slice(0, 16);
    const scheduled = await client.POST("/posts/{id}/schedule", { params: { path: { id } }, body: { publishAt: local, tzOffset: 0 } });
    expect(scheduled.response.status).toBe(200);
    expect(scheduled.data).toMatchObject({ status: "scheduled", publishAt: when.toISOString(), publishedAt: null });
    expect((await client.GET("/posts/{id}", { params: { path: { id } } })).data).toMatchObject({ status: "scheduled" });

    await client.POST("/posts/{id}/publish", { params: { path: { id } } });
    const refused = await client.POST("/posts/{id}/schedule", { params: { path: { id } }, body: { publishAt: local } });
    expect(refused.response.status).toBe(409);
    const anon = apiClient();
    const pub = () => anon.GET("/public/storefronts/{handle}/posts", { params: { path: { handle: creator.handle } } });
    expect((await pub()).data!.data.map((p) => p.title)).toEqual(["Launch notes"]);

    const draft = await client.POST("/posts/{id}/unpublish", { params: { path: { id } } });
    expect(draft.data).toMatchObject({ status: "draft", publishAt: null, title: "Launch notes" });
    expect((await pub()).data!.data).toEqual([]);

    expect((await client.DELETE("/posts/{id}", { params: { path: { id } } })).response.status).toBe(204);
    expect((await client.GET("/posts/{id}", { params: { path: { id } } })).response.status).toBe(404);
    expect((await client.GET("/posts")).data!.data).toEqual([]);
  });

  it("catalog: products, tiers and services — create, get, list, update; public offerings show only what is live", async () => {
    const creator = await makeCreator(env);
    const client = apiClient(await tokenFor(creator.viewer, ["catalog:read", "catalog:write"]));
    const anon = apiClient();
    const offerings = async () =>
      (await anon.GET("/public/storefronts/{handle}/offerings", { params: { path: { handle: creator.handle } } })).data!;

    // Products
    const bad = await client.POST("/products", { body: { type: "template", title: "", slug: "Bad Slug!", currency: "usd" } });
    expect(bad.response.status, "bad product").toBe(422);
    const product = await client.POST("/products", {
      body: { type: "template", title: "Prompt pack", slug: "prompt-pack", price: "12.50", currency: "usd", description: "Forty prompts." },
    });
    expect(product.response.status).toBe(201);
    expect(product.data).toMatchObject({
      slug: "prompt-pack",
      title: "Prompt pack",
      pricing: "fixed",
      priceAmount: 1250,
      currency: "usd",
      status: "draft",
    });
    const pid = product.data!.id;
    expect((await client.GET("/products/{id}", { params: { path: { id: pid } } })).data).toEqual(product.data);
    expect((await client.GET("/products")).data!.data).toEqual([product.data]);
    const repriced = await client.PATCH("/products/{id}", { params: { path: { id: pid } }, body: { price: "15" } });
    expect(repriced.data).toMatchObject({ title: "Prompt pack", priceAmount: 1500, description: "Forty prompts.", status: "draft" });
    expect((await client.GET("/products/{id}", { params: { path: { id: pid } } })).data!.priceAmount).toBe(1500);
    // Publishing needs a file, through the API as in the dashboard: nothing to deliver is never on sale.
    const empty = await client.PATCH("/products/{id}", { params: { path: { id: pid } }, body: { status: "published" } });
    expect(empty.response.status, "publish without file").toBe(422);
    const emptyNew = await client.POST("/products", {
      body: { type: "ebook", title: "Empty", slug: "empty", price: "5", currency: "usd", status: "published" },
    });
    expect(emptyNew.response.status, "create published without file").toBe(422);
    expect((await client.GET("/products")).data!.data.map((p) => p.status)).toEqual(["draft"]);
    expect((await offerings()).products).toEqual([]);
    const cookie = await creator.cookie();
    expect((await upload(pid, "prompts.pdf", PDF, cookie)).status).toBe(200);
    const live = await client.PATCH("/products/{id}", { params: { path: { id: pid } }, body: { status: "published" } });
    expect(live.data).toMatchObject({ status: "published", priceAmount: 1500 });
    expect((await offerings()).products).toEqual([
      expect.objectContaining({ slug: "prompt-pack", title: "Prompt pack", type: "template" }),
    ]);

    // Tiers (a paid tier makes its prices in the Stripe emulator)
    const tier = await client.POST("/tiers", {
      body: { name: "Insiders", pricing: "fixed", currency: "usd", monthly: "5", annual: "50", benefits: "Q&A\nDiscord" },
    });
    expect(tier.response.status).toBe(201);
    expect(tier.data).toMatchObject({ name: "Insiders", monthlyAmount: 500, annualAmount: 5000, benefits: ["Q&A", "Discord"] });
    const tid = tier.data!.id;
    expect((await client.GET("/tiers/{id}", { params: { path: { id: tid } } })).data).toEqual(tier.data);
    expect((await client.GET("/tiers")).data!.data).toEqual([tier.data]);
    const capped = await client.PATCH("/tiers/{id}", { params: { path: { id: tid } }, body: { maxSubscribers: "25" } });
    expect(capped.data).toMatchObject({ name: "Insiders", monthlyAmount: 500, maxSubscribers: 25, benefits: ["Q&A", "Discord"] });
    expect((await offerings()).tiers).toEqual([{ id: tid, name: "Insiders", pricing: "fixed", currency: "usd", monthlyAmount: 500 }]);

    // Services (created as drafts)
    const service = await client.POST("/services", {
      body: {
        title: "Prompt review",
        slug: "prompt-review",
        durationMinutes: "45",
        locationKind: "video",
        pricing: "per_session",
        price: "80",
        currency: "usd",
      },
    });
    expect(service.response.status).toBe(201);
    expect(service.data).toMatchObject({ title: "Prompt review", durationMinutes: 45, priceAmount: 8000, status: "draft" });
    const sid = service.data!.id;
    expect((await client.GET("/services/{id}", { params: { path: { id: sid } } })).data).toEqual(service.data);
    expect((await client.GET("/services")).data!.data).toEqual([service.data]);
    const longer = await client.PATCH("/services/{id}", {
      params: { path: { id: sid } },
      body: { durationMinutes: "60", title: "Deep review" },
    });
    expect(longer.data).toMatchObject({ title: "Deep review", durationMinutes: 60, priceAmount: 8000, slug: "prompt-review" });
    const badLength = await client.PATCH("/services/{id}", { params: { path: { id: sid } }, body: { durationMinutes: "5" } });
    expect(badLength.response.status, "bad length").toBe(422);
    expect((await client.GET("/services/{id}", { params: { path: { id: sid } } })).data!.durationMinutes).toBe(60);
    // Publishing through an edit follows the dashboard's rule: bookable times first, and nothing written before that.
    const early = await client.PATCH("/services/{id}", { params: { path: { id: sid } }, body: { status: "published", title: "Too soon" } });
    expect(early.response.status, "publish without availability").toBe(422);
    expect((await client.GET("/services/{id}", { params: { path: { id: sid } } })).data).toMatchObject({
      status: "draft",
      title: "Deep review",
    });
    expect((await offerings()).services).toEqual([]);
    const tooEarly = await client.POST("/services", {
      body: {
        title: "Office hours",
        slug: "office-hours",
        durationMinutes: "30",
        locationKind: "video",
        pricing: "per_session",
        price: "40",
        currency: "usd",
        status: "published",
      },
    });
    expect(tooEarly.response.status, "create published without availability").toBe(422);
    expect((await client.GET("/services")).data!.data.map((x) => x.slug)).toEqual(["prompt-review"]);
    await setAvailability(cookie);
    const open = await client.PATCH("/services/{id}", { params: { path: { id: sid } }, body: { status: "published" } });
    expect(open.data).toMatchObject({ status: "published", title: "Deep review", durationMinutes: 60 });
    expect((await offerings()).services).toEqual([expect.objectContaining({ slug: "prompt-review", title: "Deep review" })]);
    // Created as published in one call (availability is set now): live at once, not silently a draft.
    const liveService = await client.POST("/services", {
      body: {
        title: "Office hours",
        slug: "office-hours",
        durationMinutes: "30",
        locationKind: "video",
        pricing: "per_session",
        price: "40",
        currency: "usd",
        status: "published",
      },
    });
    expect(liveService.response.status).toBe(201);
    expect(liveService.data).toMatchObject({ slug: "office-hours", status: "published" });
    expect((await offerings()).services.map((x: { slug: string }) => x.slug).sort()).toEqual(["office-hours", "prompt-review"]);
  });

  it("sales and audience: an order, a booking and a membership show up in their lists", async () => {
    const sale = await purchased();
    const orders = await apiClient(await tokenFor(sale.seller.viewer, ["sales:read"])).GET("/orders");
    expect(orders.response.status).toBe(200);
    expect(orders.data).toMatchObject({
      data: [{ productId: sale.id, customerEmail: sale.buyer.email, amount: 1999, currency: "usd", status: "paid", amountRefunded: 0 }],
      nextCursor: null,
    });
    expect(orders.data!.data[0].fee + orders.data!.data[0].net).toBe(1999);

    const host = await sellerWithService({ price: "0" });
    const guest = await makeUser(env);
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setUTCHours(10, 0, 0, 0);
    await bookService(env, guest.viewer, host.seller.handle, host.slug, { start: String(start.getTime()) }, "http://localhost");
    const bookings = await apiClient(await tokenFor(host.seller.viewer, ["sales:read"])).GET("/bookings");
    expect(bookings.data!.data).toEqual([
      expect.objectContaining({
        serviceId: host.id,
        customerEmail: guest.email,
        status: "confirmed",
        amount: 0,
        startAt: start.toISOString(),
      }),
    ]);

    const { seller, tierId, member } = await payingMember();
    const members = await apiClient(await tokenFor(seller.viewer, ["audience:read"])).GET("/members");
    expect(members.data!.data).toEqual([
      expect.objectContaining({ tierId, customerEmail: member.email, status: "active", interval: "month", amount: 500 }),
    ]);
  });

  it("license policies and revocation: list, revoke a key for good, remove the policy", async () => {
    const sale = await purchased();
    const client = apiClient(await tokenFor(sale.seller.viewer, ["licenses:read", "licenses:write"]));
    expect((await client.GET("/license-policies")).data).toEqual({ data: [] });
    await client.PUT("/license-policies/{offerId}", { params: { path: { offerId: sale.id } }, body: { activationLimit: 3 } });
    expect((await client.GET("/license-policies")).data).toEqual({
      data: [{ offerId: sale.id, offerType: "product", activationLimit: 3 }],
    });
    const ent = await client.GET("/entitlements", { params: { query: { customer_email: sale.buyer.email } } });
    const key = ent.data!.licenses[0].key;
    await client.POST("/licenses/activate", { body: { key, instance: "laptop" } });

    const revoked = await client.POST("/licenses/revoke", { body: { key } });
    expect(revoked.response.status).toBe(200);
    expect(revoked.data).toMatchObject({ key, status: "revoked", valid: false });
    expect((await client.POST("/licenses/verify", { body: { key, instance: "laptop" } })).data).toMatchObject({
      status: "revoked",
      valid: false,
    });
    expect((await client.POST("/licenses/activate", { body: { key, instance: "desktop" } })).response.status).toBe(409);
    expect((await client.POST("/licenses/revoke", { body: { key: "ATK-000000000000000000000000" } })).response.status).toBe(404);

    expect((await client.DELETE("/license-policies/{offerId}", { params: { path: { offerId: sale.id } } })).response.status).toBe(204);
    expect((await client.GET("/license-policies")).data).toEqual({ data: [] });
    expect((await client.DELETE("/license-policies/{offerId}", { params: { path: { offerId: sale.id } } })).response.status).toBe(404);
  });
});
