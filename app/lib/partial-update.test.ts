/** Every edit path: a field the request doesn't carry never changes (no default overwrites it). */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeApp, makeCreator, makePost, makeSeller } from "~/modules/demo/factories.server";
import { updateApp } from "~/modules/apps/service.server";
import { updatePost } from "~/modules/posts/service.server";
import { updateProduct } from "~/modules/products/service.server";
import { updateProfile } from "~/modules/storefronts/service.server";
import { saveTier } from "~/modules/tiers/service.server";
import { createProduct, publishedProduct } from "~/test/money";

const row = <T>(sql: string, id: string) => env.DB.prepare(sql).bind(id).first<T>();
const product = (id: string) =>
  row<Record<string, unknown>>(
    "SELECT type, title, slug, description_markdown AS description, price_amount AS price, currency, status FROM products WHERE id=?",
    id,
  );

describe("edits leave fields the request doesn't carry unchanged", () => {
  it("a published product saved from a form without a status stays published", async () => {
    const p = await publishedProduct("19.99", "eur");
    const before = await product(p.id);
    expect(before).toMatchObject({ status: "published", currency: "eur", price: 1999, description: "Fifty **tested** prompts." });
    await updateProduct(env, p.seller.viewer, p.id, { type: "template", title: "Renamed prompts", slug: p.slug, price: "24" });
    expect(await product(p.id)).toEqual({ ...before, title: "Renamed prompts", price: 2400 });
    // Only the title: everything else as stored.
    await updateProduct(env, p.seller.viewer, p.id, { title: "Only the title" });
    expect(await product(p.id)).toEqual({ ...before, title: "Only the title", price: 2400 });
  });

  it("a draft product stays a draft; an explicit empty description is a deliberate change", async () => {
    const seller = await makeSeller(env);
    const made = await createProduct(await seller.cookie());
    await updateProduct(env, seller.viewer, made.id, { title: "Still a draft" });
    expect(await product(made.id)).toMatchObject({ status: "draft", title: "Still a draft", description: "Fifty **tested** prompts." });
    await updateProduct(env, seller.viewer, made.id, { description: "" });
    expect(await product(made.id)).toMatchObject({ status: "draft", description: "" });
  });

  it("a tier edited with only a new name keeps its cap, prices, description and benefits", async () => {
    const seller = await makeSeller(env);
    const { id } = await saveTier(env, seller.viewer, null, {
      name: "Backers",
      description: "Thanks!",
      benefits: "Q&A\nDiscord",
      pricing: "fixed",
      currency: "usd",
      monthly: "5",
      annual: "50",
      maxSubscribers: "10",
    });
    const tier = (tid: string) =>
      row<Record<string, unknown>>(
        "SELECT description, benefits, pricing, currency, monthly_amount AS monthly, annual_amount AS annual, max_subscribers AS cap, stripe_monthly_price_id AS mp FROM tiers WHERE id=?",
        tid,
      );
    const before = await tier(id);
    expect(before).toMatchObject({ cap: 10, monthly: 500, annual: 5000 });
    await saveTier(env, seller.viewer, id, { name: "Patrons" });
    expect(await tier(id)).toEqual(before);
    expect((await row<{ name: string }>("SELECT name FROM tiers WHERE id=?", id))!.name).toBe("Patrons");
    // An empty cap sent on purpose lifts the cap.
    await saveTier(env, seller.viewer, id, { maxSubscribers: "" });
    expect(await tier(id)).toEqual({ ...before, cap: null });
  });

  it("an app edited without status, tagline, description, demo video or tech stack keeps them", async () => {
    const c = await makeCreator(env);
    const made = await makeApp(env, c, {
      status: "beta",
      tagline: "Finds things.",
      description: "Long text",
      demoVideoUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      techStack: ["Claude", "Rust"],
    });
    const app = () =>
      row<Record<string, unknown>>(
        "SELECT name, status, tagline, description_markdown AS description, demo_video_url AS video, tech_stack AS tech, category_slug AS category FROM apps WHERE id=?",
        made.id,
      );
    const before = await app();
    await updateApp(env, c.viewer, made.slug, {
      name: "Finder",
      appUrl: "https://example.com/finder",
      category: before!.category as string,
    });
    expect(await app()).toEqual({ ...before, name: "Finder" });
  });

  it("a post edited with only a title keeps its body, excerpt and visibility", async () => {
    const c = await makeCreator(env);
    const post = await makePost(env, c, { title: "First", body: "Body text stays.", visibility: "followers" });
    const read = () =>
      row<Record<string, unknown>>("SELECT body_markdown AS body, excerpt, visibility, status FROM posts WHERE id=?", post.id);
    const before = await read();
    await updatePost(env, c.viewer, post.id, { title: "Second" });
    expect(await read()).toEqual(before);
    expect((await row<{ title: string }>("SELECT title FROM posts WHERE id=?", post.id))!.title).toBe("Second");
  });

  it("a profile edited with only a display name keeps its bio and links", async () => {
    const c = await makeCreator(env, {
      bio: "I build bots.",
      links: { website: "https://example.com", github: "https://github.com/someone" },
    });
    const read = () => row<Record<string, unknown>>("SELECT bio_markdown AS bio, links FROM creators WHERE user_id=?", c.id);
    const before = await read();
    expect(before!.bio).toBe("I build bots.");
    await updateProfile(env, c.viewer, c.handle, { displayName: "New name" });
    expect(await read()).toEqual(before);
  });
});
