import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app, postForm } from "~/test/http";
import { makeCreator } from "~/modules/demo/factories.server";
import { storefrontCacheVersion } from "~/modules/storefronts/queries.server";
import { clearEdgeMemory } from "~/lib/edge-cache.server";
import { forgetVersions } from "~/modules/discovery/edge-pages.server";
import { d1Bookmark, getDb, prepared, withD1Session, type Db } from "./db.server";
import { BOOKMARK_COOKIE } from "./d1-session.server";
import { creators } from "~/modules/storefronts/schema";
import { eq, sql } from "drizzle-orm";

const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** The bookmark cookie a response sets: its value and attributes, or undefined. */
function bookmarkCookie(res: Response) {
  const c = res.headers.getSetCookie().find((h) => h.startsWith(`${BOOKMARK_COOKIE}=`));
  if (!c) return undefined;
  const [pair, ...attrs] = c.split(";").map((s) => s.trim());
  return { value: pair.slice(BOOKMARK_COOKIE.length + 1), attrs: attrs.map((a) => a.toLowerCase()) };
}

/** Records what every D1 session of the Worker was opened with. */
function watchSessions() {
  return vi.spyOn(env.DB, "withSession");
}

afterEach(() => vi.restoreAllMocks());

describe("D1 sessions at the DB acquisition point", () => {
  it("runs drizzle queries and the shared prepared statements on the request's session, so its bookmark moves", async () => {
    const c = await makeCreator(env);
    const s = withD1Session(env, "first-unconstrained");
    expect(d1Bookmark(s)).toBeNull();
    expect(await storefrontCacheVersion(s, c.handle)).toBeTruthy(); // a prepared statement built once per binding
    const afterPrepared = d1Bookmark(s);
    expect(afterPrepared).toMatch(BOOKMARK);

    const w = withD1Session(env, "first-primary");
    await getDb(w).update(creators).set({ displayName: "Through a session" }).where(eq(creators.handle, c.handle));
    expect(d1Bookmark(w)! > afterPrepared!).toBe(true); // the write is in the session's bookmark
    // A session opened at that bookmark reads the write.
    const r = withD1Session(env, d1Bookmark(w)!);
    const [row] = await getDb(r).select({ name: creators.displayName }).from(creators).where(eq(creators.handle, c.handle));
    expect(row.name).toBe("Through a session");
    expect(d1Bookmark(r)! >= d1Bookmark(w)!).toBe(true);
    // Relational queries (`db.query.<table>`) run on the session too.
    const q = withD1Session(env, "first-unconstrained");
    expect((await getDb(q).query.creators.findFirst({ where: eq(creators.handle, c.handle) }))?.displayName).toBe("Through a session");
    expect(d1Bookmark(q)).toMatch(BOOKMARK);
  });

  it("builds a shared prepared statement once per binding, not once per request's session", async () => {
    const c = await makeCreator(env);
    const name = `probe:${c.handle}`;
    const build = vi.fn((db: Db) =>
      db
        .select({ name: creators.displayName })
        .from(creators)
        .where(eq(creators.handle, sql.placeholder("h")))
        .prepare(),
    );
    for (let i = 0; i < 3; i++) {
      const s = withD1Session(env, "first-unconstrained");
      const rows = await prepared(s, name, build).all({ h: c.handle });
      expect(rows).toEqual([{ name: c.displayName }]);
      expect(d1Bookmark(s)).toMatch(BOOKMARK); // it ran on this session
    }
    expect(build).toHaveBeenCalledTimes(1);
  });
});

describe("the bookmark cookie", () => {
  it("is set after a write and honoured by the person's next read, which shows the write", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const sessions = watchSessions();

    const res = await postForm("/settings/profile", { handle: c.handle, displayName: "Read my write" }, { cookie });
    expect(res.status).toBeLessThan(400);
    expect(sessions).toHaveBeenCalledWith("first-primary");
    const set = bookmarkCookie(res);
    expect(set?.value).toMatch(BOOKMARK);
    expect(set?.attrs).toEqual(expect.arrayContaining(["path=/", "httponly", "samesite=lax", "secure"]));
    expect(set?.attrs.find((a) => a.startsWith("max-age="))).toBe("max-age=300");

    sessions.mockClear();
    const page = await app(`/@${c.handle}`, { cookie: `${cookie}; ${BOOKMARK_COOKIE}=${set!.value}` });
    expect(page.status).toBe(200);
    expect(sessions).toHaveBeenCalledWith(set!.value);
    expect(sessions).not.toHaveBeenCalledWith("first-unconstrained");
    expect(await page.text()).toContain("Read my write");
    // A signed-in read refreshes the cookie only when its session got past the cookie's bookmark.
    const again = bookmarkCookie(page);
    if (again) expect(again.value > set!.value).toBe(true);
  });

  it("uses an unconstrained session for a read with no cookie, and sets no cookie on an anonymous page", async () => {
    const c = await makeCreator(env);
    const sessions = watchSessions();
    const res = await app(`/@${c.handle}/followers`);
    expect(res.status).toBe(200);
    expect(sessions).toHaveBeenCalledWith("first-unconstrained");
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("ignores a malformed or forged cookie instead of failing", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const sessions = watchSessions();
    for (const bad of [
      "garbage",
      "",
      "first-primary",
      "%00%0d%0a",
      "0".repeat(5000),
      "00000000-00000010-00000000-0000000000000000000000000000000z",
    ]) {
      sessions.mockClear();
      const anon = await app(`/@${c.handle}/followers`, { cookie: `${BOOKMARK_COOKIE}=${bad}` });
      expect(anon.status).toBe(200);
      expect(sessions).toHaveBeenCalledWith("first-unconstrained");
      const mine = await app("/settings", { cookie: `${cookie}; ${BOOKMARK_COOKIE}=${bad}` });
      expect(mine.status).toBe(200);
      expect(sessions).not.toHaveBeenCalledWith(bad);
      // …and the person's next write hands out a real one.
      const w = await postForm(
        "/settings/profile",
        { handle: c.handle, displayName: "Still works" },
        { cookie: `${cookie}; ${BOOKMARK_COOKIE}=${bad}` },
      );
      expect(w.status).toBeLessThan(400);
      expect(bookmarkCookie(w)?.value).toMatch(BOOKMARK);
    }
  });

  it("is never set on a response that goes into the edge cache, even for a visitor who holds one", async () => {
    const c = await makeCreator(env);
    // An anonymous visitor's write (a failed sign-in is recorded by the rate limiter) hands out a bookmark.
    const login = await postForm("/login", { email: `nobody-${c.handle}@example.com`, password: "wrong-password-123" });
    const held = bookmarkCookie(login)?.value;
    expect(held).toMatch(BOOKMARK);

    clearEdgeMemory();
    forgetVersions();
    const first = await app(`/@${c.handle}`, { cookie: `${BOOKMARK_COOKIE}=${held}` });
    expect(first.headers.get("X-Edge-Cache")).toBe("MISS");
    expect(first.headers.getSetCookie()).toEqual([]);
    // The stored copy carries no cookie either: the next visitor gets it from the cache without one.
    const second = await app(`/@${c.handle}`);
    expect(second.headers.get("X-Edge-Cache")).toBe("HIT");
    expect(second.headers.getSetCookie()).toEqual([]);
    clearEdgeMemory();
    const fromCacheApi = await app(`/@${c.handle}`);
    expect(fromCacheApi.headers.get("X-Edge-Cache")).toBe("HIT");
    expect(fromCacheApi.headers.get("X-Edge-Cache-Tier")).toBe("cache");
    expect(fromCacheApi.headers.getSetCookie()).toEqual([]);
  });
});
