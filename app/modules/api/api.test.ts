import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeApp, makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { suspendUser } from "~/modules/admin/service.server";
import { api, apiClient, tokenFor } from "~/test/api";
import { app, postForm } from "~/test/http";
import { placeholderPng } from "~/modules/media/placeholder.server";
import { ENDPOINTS } from "./endpoints.server";
import { ALL_SCOPES } from "./scopes";
import { createPersonalToken, revokePersonalToken } from "./tokens.server";

const problemOf = async (res: Response) => {
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  return (await res.json()) as { type: string; title: string; status: number; detail: string; errors?: Record<string, string> };
};

/** A concrete path for an endpoint, its parameters filled with ids that exist nowhere. */
const concrete = (path: string) => path.replace(/\{\w+\}/g, "nothing-here");
const bodyFor = (method: string) => (method === "GET" || method === "DELETE" ? undefined : "{}");

describe("personal access tokens", () => {
  it("authenticate the typed client; only the hash is stored; last use is recorded", async () => {
    const creator = await makeCreator(env);
    const token = await tokenFor(creator.viewer, ["storefront:read"]);
    expect(token).toMatch(/^at_pat_[A-Za-z0-9_-]{43}$/);
    const { data, response } = await apiClient(token).GET("/me");
    expect(response.status).toBe(200);
    expect(data).toEqual({ id: creator.id, email: creator.email, handle: creator.handle, scopes: ["storefront:read"] });
    const row = await env.DB.prepare("SELECT token_hash, prefix, last_used_at FROM api_tokens WHERE user_id = ?")
      .bind(creator.id)
      .first<{ token_hash: string; prefix: string; last_used_at: number | null }>();
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.token_hash).not.toContain(token.slice(7));
    expect(token.startsWith(row!.prefix)).toBe(true);
    expect(row!.last_used_at).toBeGreaterThan(0);
    const sf = await apiClient(token).GET("/storefront");
    expect(sf.data).toMatchObject({ handle: creator.handle });
  });

  it("refuse bad input with field messages and write nothing", async () => {
    const user = await makeUser(env);
    await expect(createPersonalToken(env, user.viewer, { name: "", scopes: ["apps:read"] })).rejects.toMatchObject({ status: 422 });
    await expect(createPersonalToken(env, user.viewer, { name: "x", scopes: ["root:all"] })).rejects.toMatchObject({ status: 422 });
    await expect(createPersonalToken(env, user.viewer, { name: "x", scopes: [] })).rejects.toMatchObject({ status: 422 });
    const n = await env.DB.prepare("SELECT count(*) AS n FROM api_tokens WHERE user_id = ?").bind(user.id).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });
});

describe("settings → API tokens", () => {
  it("shows a new token once, lists it by prefix, and revoking it stops the API at once", async () => {
    const creator = await makeCreator(env);
    const cookie = await creator.cookie();
    const created = await postForm(
      "/settings/tokens",
      { intent: "create", name: "CI deploy", scopes: "apps:read", expiresInDays: "30" },
      { cookie },
    );
    expect(created.status).toBe(200);
    const token = /at_pat_[A-Za-z0-9_-]{43}/.exec(await created.text())![0];
    expect((await api("/apps", { token })).status).toBe(200);
    const page = await (await app("/settings/tokens", { cookie })).text();
    expect(page).toContain("CI deploy");
    expect(page).toContain(token.slice(0, 11));
    expect(page).not.toContain(token);
    const id = await env.DB.prepare("SELECT id FROM api_tokens WHERE user_id = ?").bind(creator.id).first<{ id: string }>();
    const other = await makeUser(env);
    const refused = await postForm("/settings/tokens", { intent: "revoke", tokenId: id!.id }, { cookie: await other.cookie() });
    expect(refused.status).toBe(404);
    expect((await api("/apps", { token })).status).toBe(200);
    expect((await postForm("/settings/tokens", { intent: "revoke", tokenId: id!.id }, { cookie })).status).toBe(200);
    expect((await api("/apps", { token })).status).toBe(401);
    expect((await app("/docs/api")).status).toBe(200);
  });
});

describe("authorisation on every endpoint", () => {
  const authed = ENDPOINTS.filter((e) => e.scope !== "public");

  it("no token → 401 problem with WWW-Authenticate; a malformed token → 401", async () => {
    for (const e of authed) {
      const res = await api(concrete(e.path), { method: e.method, body: bodyFor(e.method) });
      expect(res.status, `${e.method} ${e.path}`).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
      expect((await problemOf(res)).status).toBe(401);
      const bad = await api(concrete(e.path), { method: e.method, body: bodyFor(e.method), token: "at_pat_nope" });
      expect(bad.status, `${e.method} ${e.path}`).toBe(401);
    }
  });

  it("a token without the endpoint's scope → 403 naming the scope", async () => {
    const creator = await makeCreator(env);
    for (const e of authed) {
      if (e.scope === "token") continue;
      const others = ALL_SCOPES.filter((s) => s !== e.scope);
      const token = await tokenFor(creator.viewer, others);
      const res = await api(concrete(e.path), { method: e.method, body: bodyFor(e.method), token });
      expect(res.status, `${e.method} ${e.path}`).toBe(403);
      expect((await problemOf(res)).detail).toContain(e.scope);
    }
  });

  it("revoked, expired and suspended accounts' tokens stop working everywhere", async () => {
    const creator = await makeCreator(env);
    const revoked = await createPersonalToken(env, creator.viewer, { name: "r", scopes: ALL_SCOPES, expiresInDays: "30" });
    await revokePersonalToken(env, creator.viewer, revoked.id);
    const expired = await createPersonalToken(
      env,
      creator.viewer,
      { name: "e", scopes: ALL_SCOPES, expiresInDays: "7" },
      Math.floor(Date.now() / 1000) - 8 * 86_400,
    );
    const victim = await makeCreator(env);
    const suspended = await tokenFor(victim.viewer, ALL_SCOPES);
    expect((await api("/me", { token: suspended })).status).toBe(200);
    const admin = await makeUser(env, { isAdmin: true });
    await suspendUser(env, admin.viewer, victim.id, "spam");
    for (const e of authed) {
      const path = concrete(e.path);
      const r = await api(path, { method: e.method, body: bodyFor(e.method), token: revoked.token });
      expect(r.status, `revoked ${e.method} ${e.path}`).toBe(401);
      expect((await problemOf(r)).detail).toContain("revoked");
      const x = await api(path, { method: e.method, body: bodyFor(e.method), token: expired.token });
      expect(x.status, `expired ${e.method} ${e.path}`).toBe(401);
      expect((await problemOf(x)).detail).toContain("expired");
      const s = await api(path, { method: e.method, body: bodyFor(e.method), token: suspended });
      expect(s.status, `suspended ${e.method} ${e.path}`).toBe(403);
    }
  });

  it("another creator's resources answer 404 and are never changed", async () => {
    const owner = await makeCreator(env);
    const ownApp = await makeApp(env, owner);
    const ownPost = await makePost(env, owner, { status: "draft" });
    const intruder = await makeCreator(env);
    const token = await tokenFor(intruder.viewer, ALL_SCOPES);
    const client = apiClient(token);
    expect((await client.GET("/apps/{slug}", { params: { path: { slug: ownApp.slug } } })).response.status).toBe(404);
    const patched = await client.PATCH("/apps/{slug}", { params: { path: { slug: ownApp.slug } }, body: { name: "Hijacked" } });
    expect(patched.response.status).toBe(404);
    expect((await client.DELETE("/apps/{slug}", { params: { path: { slug: ownApp.slug } } })).response.status).toBe(404);
    expect((await client.GET("/posts/{id}", { params: { path: { id: ownPost.id } } })).response.status).toBe(404);
    expect((await client.POST("/posts/{id}/publish", { params: { path: { id: ownPost.id } } })).response.status).toBe(404);
    const app = await env.DB.prepare("SELECT name FROM apps WHERE id = ?").bind(ownApp.id).first<{ name: string }>();
    expect(app!.name).not.toBe("Hijacked");
    const post = await env.DB.prepare("SELECT status FROM posts WHERE id = ?").bind(ownPost.id).first<{ status: string }>();
    expect(post!.status).toBe("draft");
  });
});

describe("resources through the typed client", () => {
  it("apps: create, read, update, list, delete — the module's rules apply (422 with field errors)", async () => {
    const creator = await makeCreator(env);
    const client = apiClient(await tokenFor(creator.viewer, ["apps:read", "apps:write"]));
    const bad = await client.POST("/apps", { body: { name: "", appUrl: "nope", category: "" } });
    expect(bad.response.status).toBe(422);
    expect(bad.error).toMatchObject({ status: 422, errors: { name: expect.any(String) } });
    const created = await client.POST("/apps", {
      body: { name: "Prompt Lab", appUrl: "https://promptlab.example", category: "productivity", techStack: "OpenAI, Remix" },
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ name: "Prompt Lab", techStack: ["OpenAI", "Remix"], published: true });
    const slug = created.data!.slug;
    const updated = await client.PATCH("/apps/{slug}", { params: { path: { slug } }, body: { tagline: "Test prompts fast" } });
    expect(updated.data).toMatchObject({ name: "Prompt Lab", tagline: "Test prompts fast" });
    expect((await client.GET("/apps")).data!.data.map((a) => a.slug)).toEqual([slug]);
    expect((await client.DELETE("/apps/{slug}", { params: { path: { slug } } })).response.status).toBe(204);
    expect((await client.GET("/apps/{slug}", { params: { path: { slug } } })).response.status).toBe(404);
  });

  it("apps: screenshots upload as the raw image body (magic bytes checked) and can be removed", async () => {
    const creator = await makeCreator(env);
    const own = await makeApp(env, creator);
    const token = await tokenFor(creator.viewer, ["apps:write"]);
    const png = await placeholderPng(320, 200, "#0ea5e9", "#6366f1");
    const up = await api(`/apps/${own.slug}/screenshots`, { method: "POST", token, body: png, headers: { "Content-Type": "image/png" } });
    expect(up.status).toBe(201);
    const shot = (await up.json()) as { id: string; url: string };
    expect(shot.url).toMatch(/\/media\//);
    const fake = await api(`/apps/${own.slug}/screenshots`, {
      method: "POST",
      token,
      body: "<svg/>",
      headers: { "Content-Type": "image/png" },
    });
    expect(fake.status).toBeGreaterThanOrEqual(400);
    expect(fake.status).toBeLessThan(500);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM app_screenshots WHERE app_id = ?").bind(own.id).first<{ n: number }>();
    expect(count!.n).toBe(1);
    expect((await api(`/apps/${own.slug}/screenshots/${shot.id}`, { method: "DELETE", token })).status).toBe(204);
  });

  it("posts: draft, edit, publish; public lists never carry gated text", async () => {
    const creator = await makeCreator(env);
    const client = apiClient(await tokenFor(creator.viewer, ["posts:read", "posts:write"]));
    const draft = await client.POST("/posts", {
      body: { title: "Members only", body: "Secret sauce recipe", visibility: "paid", excerpt: "Teaser" },
    });
    expect(draft.response.status).toBe(201);
    expect(draft.data).toMatchObject({ status: "draft", body: "Secret sauce recipe" });
    const id = draft.data!.id;
    await client.PATCH("/posts/{id}", { params: { path: { id } }, body: { title: "Members only (v2)" } });
    const published = await client.POST("/posts/{id}/publish", { params: { path: { id } } });
    expect(published.data).toMatchObject({ status: "published", title: "Members only (v2)", visibility: "paid" });
    const pub = await apiClient().GET("/public/storefronts/{handle}/posts", { params: { path: { handle: creator.handle } } });
    expect(pub.response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(pub.data!.data).toEqual([expect.objectContaining({ title: "Members only (v2)", gated: true, excerpt: null })]);
    expect(JSON.stringify(pub.data)).not.toContain("Secret sauce");
  });

  it("sales and audience lists are keyset-paginated and filter by date", async () => {
    const creator = await makeCreator(env);
    for (let i = 0; i < 5; i++) {
      const fan = await makeUser(env);
      await env.DB.prepare("INSERT INTO follows (follower_id, creator_id, created_at) VALUES (?, ?, ?)")
        .bind(fan.id, creator.id, 1_700_000_000 + i * 86_400)
        .run();
    }
    const client = apiClient(await tokenFor(creator.viewer, ["audience:read"]));
    const first = await client.GET("/followers", { params: { query: { limit: "2" } } });
    expect(first.data!.data).toHaveLength(2);
    const second = await client.GET("/followers", { params: { query: { limit: "2", cursor: first.data!.nextCursor! } } });
    const third = await client.GET("/followers", { params: { query: { limit: "2", cursor: second.data!.nextCursor! } } });
    expect(third.data!.nextCursor).toBeNull();
    const all = [...first.data!.data, ...second.data!.data, ...third.data!.data].map((f) => f.followedAt);
    expect(all).toEqual([...all].sort().reverse());
    expect(new Set(all).size).toBe(5);
    const since = await client.GET("/followers", {
      params: { query: { since: new Date(1_700_000_000_000 + 3 * 86_400_000).toISOString() } },
    });
    expect(since.data!.data).toHaveLength(2);
    const badCursor = await client.GET("/followers", { params: { query: { cursor: "garbage" } } });
    expect(badCursor.response.status).toBe(422);
  });
});

describe("idempotency keys", () => {
  it("a replay returns the stored response and creates nothing twice; concurrent duplicates create one", async () => {
    const creator = await makeCreator(env);
    const token = await tokenFor(creator.viewer, ["posts:read", "posts:write"]);
    const body = JSON.stringify({ title: "Once only", body: "hello" });
    const a = await api("/posts", { method: "POST", token, body, headers: { "Idempotency-Key": "k-1" } });
    const b = await api("/posts", { method: "POST", token, body, headers: { "Idempotency-Key": "k-1" } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await b.json()).toEqual(await a.json());
    const other = await api("/posts", {
      method: "POST",
      token,
      body: JSON.stringify({ title: "Different" }),
      headers: { "Idempotency-Key": "k-1" },
    });
    expect(other.status).toBe(422);
    const race = await Promise.all(
      Array.from({ length: 5 }, () =>
        api("/posts", { method: "POST", token, body: JSON.stringify({ title: "Raced" }), headers: { "Idempotency-Key": "k-2" } }),
      ),
    );
    expect(race.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM posts WHERE creator_id = ? AND title = ?")
      .bind(creator.id, "Raced")
      .first<{ n: number }>();
    expect(count!.n).toBe(1);
    const once = await env.DB.prepare("SELECT count(*) AS n FROM posts WHERE creator_id = ? AND title = ?")
      .bind(creator.id, "Once only")
      .first<{ n: number }>();
    expect(once!.n).toBe(1);
  });
});

describe("rate limits", () => {
  it("the request over the per-minute limit gets 429 with Retry-After and RateLimit-* headers", async () => {
    const creator = await makeCreator(env);
    const token = await tokenFor(creator.viewer, ["storefront:read"]);
    const limit = Number(env.API_RATE_LIMIT_PER_MINUTE);
    // Fill the window in one statement (as `limit` requests would), then make the last allowed and the first refused call.
    const id = await env.DB.prepare("SELECT id FROM api_tokens WHERE user_id = ?").bind(creator.id).first<{ id: string }>();
    const now = Math.floor(Date.now() / 1000);
    const windowStart = now - (now % 60);
    await env.DB.prepare("INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, ?)")
      .bind(`api:${id!.id}`, windowStart, limit - 1)
      .run();
    const last = await api("/me", { token });
    if (Math.floor(Date.now() / 1000) - (Math.floor(Date.now() / 1000) % 60) !== windowStart) return; // the minute turned over mid-test
    expect(last.status).toBe(200);
    expect(last.headers.get("RateLimit-Limit")).toBe(String(limit));
    expect(last.headers.get("RateLimit-Remaining")).toBe("0");
    const over = await api("/me", { token });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(over.headers.get("RateLimit-Remaining")).toBe("0");
    expect(over.headers.get("RateLimit-Policy")).toBe(`${limit};w=60`);
    expect((await problemOf(over)).status).toBe(429);
  });

  it("concurrent requests are counted exactly", async () => {
    const creator = await makeCreator(env);
    const token = await tokenFor(creator.viewer, ["storefront:read"]);
    await Promise.all(Array.from({ length: 20 }, () => api("/me", { token })));
    const row = await env.DB.prepare(
      "SELECT sum(count) AS n FROM rate_limits WHERE key IN (SELECT 'api:' || id FROM api_tokens WHERE user_id = ?)",
    )
      .bind(creator.id)
      .first<{ n: number }>();
    expect(row!.n).toBe(20);
  });
});

describe("errors", () => {
  it("unknown paths, wrong methods, non-JSON bodies and CORS outside public endpoints", async () => {
    expect((await problemOf(await api("/nope"))).status).toBe(404);
    const wrong = await api("/me", { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("Allow")).toBe("GET");
    const creator = await makeCreator(env);
    const token = await tokenFor(creator.viewer, ["apps:write"]);
    const form = await api("/apps", {
      method: "POST",
      token,
      body: "name=x",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    const broken = await api("/apps", { method: "POST", token, body: "{not json" });
    expect(broken.status).toBe(400);
    const me = await api("/me", { token });
    expect(me.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect((await api("/me", { method: "OPTIONS" })).status).toBe(405);
    expect((await api("/public/storefronts/x/apps", { method: "OPTIONS" })).status).toBe(204);
  });
});
