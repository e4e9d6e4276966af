import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { app, postForm } from "~/test/http";
import { createProduct, makeTier } from "~/test/money";
import { makeApp, makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { setEmailMode } from "~/modules/email/service.server";
import { csvCell, toCsv } from "./csv";
import { dataExports } from "./schema";

async function requestAndWait(cookie: string, kind: "data" | "audience", userId: string) {
  expect((await postForm("/settings/export", { kind }, { cookie })).status).toBe(200);
  for (let i = 0; i < 200; i++) {
    const [row] = await getDb(env).select().from(dataExports).where(eq(dataExports.userId, userId));
    if (row?.status === "ready" && row.kind === kind) return row;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("export never became ready");
}

describe("export my data", () => {
  it("builds the JSON in the background; only its owner can download it, and only until it expires", async () => {
    const c = await makeCreator(env, { displayName: "Exporting Eve", bio: "I build bots." });
    const a = await makeApp(env, c, { name: "Export App" });
    const post = await makePost(env, c, { title: "Export post", body: "The body of the post." });
    const cookie = await c.cookie();
    const product = await createProduct(cookie, { title: "Export product" });
    const other = await makeCreator(env);
    await followCreator(env, c.viewer, other.handle);

    const row = await requestAndWait(cookie, "data", c.id);
    expect(row.r2Key).toMatch(/^private\/exports\//);
    const res = await app(`/settings/export/${row.id}`, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Disposition")).toContain("attachment");
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    const data = (await res.json()) as Record<string, unknown> & {
      profile: { email: string; creator: { handle: string; bio: string } };
      apps: { slug: string }[];
      posts: { slug: string; body: string }[];
      products: { id: string; title: string }[];
      follows: { handle: string }[];
      orders: { bought: unknown[]; sold: unknown[] };
      memberships: { held: unknown[] };
      notifications: unknown[];
    };
    expect(data.profile.email).toBe(c.email);
    expect(data.profile.creator).toMatchObject({ handle: c.handle, bio: "I build bots." });
    expect(data.apps.map((x) => x.slug)).toEqual([a.slug]);
    expect(data.posts[0]).toMatchObject({ slug: post.slug, body: "The body of the post." });
    expect(data.products.map((p) => p.id)).toEqual([product.id]);
    expect(data.follows.map((f) => f.handle)).toEqual([other.handle]);
    for (const k of ["orders", "memberships", "notifications"]) expect(data).toHaveProperty(k);
    expect(JSON.stringify(data)).not.toContain(other.email);

    // Nobody else: another user gets 404, an anonymous visitor is sent to sign in; the file is not public media.
    expect((await app(`/settings/export/${row.id}`, { cookie: await other.cookie() })).status).toBe(404);
    expect((await app(`/settings/export/${row.id}`)).status).toBe(302);
    expect((await app(`/media/${row.r2Key}`)).status).toBe(404);
    // Expired: gone.
    await getDb(env).update(dataExports).set({ expiresAt: 1 }).where(eq(dataExports.id, row.id));
    expect((await app(`/settings/export/${row.id}`, { cookie })).status).toBe(410);
  });

  it("the audience export is for creators only", async () => {
    const u = await makeUser(env);
    expect((await postForm("/settings/export", { kind: "audience" }, { cookie: await u.cookie() })).status).toBe(403);
  });
});

describe("audience export (CSV)", () => {
  it("lists followers who didn't opt out of emails and members with tier, status, since and email; injection-safe", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const keen = await makeUser(env);
    const quiet = await makeUser(env);
    await followCreator(env, keen.viewer, c.handle);
    await followCreator(env, quiet.viewer, c.handle);
    await setEmailMode(env, quiet.id, { mode: "none" });
    const tier = await makeTier(cookie, { name: '=HYPERLINK("http://evil")', pricing: "free" });
    const member = await makeUser(env);
    expect((await postForm(`/tiers/${tier.id}`, { intent: "subscribe" }, { cookie: await member.cookie() })).status).toBeLessThan(400);

    const row = await requestAndWait(cookie, "audience", c.id);
    const res = await app(`/settings/export/${row.id}`, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    const csv = await res.text();
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe('"type","email","tier","status","since"');
    expect(csv).toContain(`"follower","${keen.email}","","following",`);
    expect(csv).not.toContain(quiet.email);
    expect(csv).toContain(`"member","${member.email}","'=HYPERLINK(""http://evil"")","active",`);
    expect(lines).toHaveLength(3);
    expect((await app(`/settings/export/${row.id}`, { cookie: await keen.cookie() })).status).toBe(404);
  });

  it("csvCell neutralises formulas and quotes every cell", () => {
    expect(csvCell("=1+1")).toBe(`"'=1+1"`);
    expect(csvCell("+1")).toBe(`"'+1"`);
    expect(csvCell("-2")).toBe(`"'-2"`);
    expect(csvCell("@SUM(A1)")).toBe(`"'@SUM(A1)"`);
    expect(csvCell("\tx")).toBe(`"'\tx"`);
    expect(csvCell('a "b", c')).toBe(`"a ""b"", c"`);
    expect(csvCell(null)).toBe(`""`);
    expect(toCsv(["a"], [["x"]])).toBe(`"a"\r\n"x"\r\n`);
  });
});
