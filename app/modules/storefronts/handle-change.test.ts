import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { app, postForm } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { creators, handleRedirects } from "./schema";
import { becomeCreator, changeHandle } from "./service.server";

const fresh = () => `h-${crypto.randomUUID().slice(0, 8)}`;
const DAY = 86_400;

async function failure(p: Promise<unknown>) {
  return p.then(
    () => null,
    (e: unknown) => e as { status: number; message: string },
  );
}

describe("changing a handle", () => {
  it("301-redirects every /@old address to the new handle, including pages the edge cache held", async () => {
    const c = await makeCreator(env, { displayName: "Renamed Rita" });
    const post = await makePost(env, c, { title: "Still here" });
    const old = c.handle;
    // Anonymous visits warm the edge cache for the old storefront and post.
    expect((await app(`/@${old}`)).status).toBe(200);
    expect((await app(`/@${old}/posts/${post.slug}`)).status).toBe(200);
    const next = fresh();
    const res = await postForm("/settings/handle", { handle: next }, { cookie: await c.cookie() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`Your storefront is now at /@${next}`);
    for (const [path, to] of [
      [`/@${old}`, `/@${next}`],
      [`/@${old}/posts/${post.slug}`, `/@${next}/posts/${post.slug}`],
      [`/@${old}/products/some-kit?ref=x`, `/@${next}/products/some-kit?ref=x`],
      [`/@${old}/feed.xml`, `/@${next}/feed.xml`],
      [`/@${old}/followers`, `/@${next}/followers`],
    ]) {
      const r = await app(path);
      expect(r.status, path).toBe(301);
      expect(r.headers.get("Location"), path).toBe(to);
    }
    // Signed in, too.
    const fan = await makeUser(env);
    const signed = await app(`/@${old}`, { cookie: await fan.cookie() });
    expect(signed.status).toBe(301);
    const page = await app(`/@${next}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Renamed Rita");

    // A client-side navigation (Remix asks for `.data`) gets the redirect the way Remix itself
    // answers one — the same encoding as a loader's redirect (here /dashboard's, to /login).
    const remixOwn = await app("/dashboard.data");
    expect(remixOwn.status).toBe(202);
    const remixBody = JSON.parse((await remixOwn.text()).trim()) as unknown[];
    for (const [path, to] of [
      [`/@${old}.data`, `/@${next}`],
      [`/@${old}/posts/${post.slug}.data?_routes=routes%2F%24handle.posts.%24slug`, `/@${next}/posts/${post.slug}`],
    ]) {
      const r = await app(path, { cookie: await fan.cookie() });
      expect(r.status, path).toBe(202);
      expect(r.headers.get("X-Remix-Response"), path).toBe("yes");
      const body = JSON.parse((await r.text()).trim()) as unknown[];
      expect(body[3], path).toBe(to);
      expect(
        body.map((v, i) => (i === 3 || i === 5 ? null : v)),
        path,
      ).toEqual(remixBody.map((v, i) => (i === 3 || i === 5 ? null : v)));
    }
  });

  it("keeps the old handle for its owner for 90 days: nobody else can take it, the owner can take it back", async () => {
    const c = await makeCreator(env);
    const old = c.handle;
    const next = fresh();
    await changeHandle(env, c.viewer, { handle: next });
    const [row] = await getDb(env).select().from(handleRedirects).where(eq(handleRedirects.oldHandle, old));
    expect(row.expiresAt - row.createdAt).toBe(90 * DAY);

    const newcomer = await makeUser(env);
    const e1 = await failure(becomeCreator(env, newcomer.viewer, { handle: old, displayName: "Squatter" }));
    expect(e1?.status).toBe(409);
    expect(e1?.message).toContain("reserved until");
    const other = await makeCreator(env);
    const e2 = await failure(changeHandle(env, other.viewer, { handle: old }));
    expect(e2?.status).toBe(409);

    // The owner takes it back (even within 30 days: undoing a rename); the other handle now redirects.
    await changeHandle(env, c.viewer, { handle: old });
    expect((await app(`/@${old}`)).status).toBe(200);
    const back = await app(`/@${next}`);
    expect(back.status).toBe(301);
    expect(back.headers.get("Location")).toBe(`/@${old}`);
  });

  it("after 90 days the old handle stops redirecting and is free for anyone", async () => {
    const c = await makeCreator(env);
    const old = c.handle;
    await changeHandle(env, c.viewer, { handle: fresh() });
    await getDb(env).update(handleRedirects).set({ expiresAt: 1 }).where(eq(handleRedirects.oldHandle, old));
    expect((await app(`/@${old}`)).status).toBe(404);
    const newcomer = await makeUser(env);
    await becomeCreator(env, newcomer.viewer, { handle: old, displayName: "Next owner" });
    expect((await app(`/@${old}`)).status).toBe(200);
  });

  it("is limited to once per 30 days, with a clear message", async () => {
    const c = await makeCreator(env);
    await changeHandle(env, c.viewer, { handle: fresh() });
    const res = await postForm("/settings/handle", { handle: fresh() }, { cookie: await c.cookie() });
    expect(res.status).toBe(429);
    expect(await res.text()).toMatch(/You can change your handle once every 30 days. You can change it again on \d{4}-\d{2}-\d{2}/);
    await getDb(env)
      .update(creators)
      .set({ handleChangedAt: Math.floor(Date.now() / 1000) - 31 * DAY })
      .where(eq(creators.userId, c.id));
    const again = fresh();
    await changeHandle(env, c.viewer, { handle: again });
    expect((await app(`/@${again}`)).status).toBe(200);
  });

  it("refuses a handle another storefront uses", async () => {
    const a = await makeCreator(env);
    const b = await makeCreator(env);
    const e = await failure(changeHandle(env, a.viewer, { handle: b.handle }));
    expect(e?.status).toBe(409);
    expect(e?.message).toContain("That handle is taken");
  });
});
