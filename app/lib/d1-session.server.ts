/**
 * One D1 session per request, and the bookmark cookie that lets a person read their own writes
 * when their next request is served by a read replica (decision D59).
 *
 * - GET/HEAD: a session anchored at the bookmark from the `at_bookmark` cookie when it holds one,
 *   else `first-unconstrained` (the nearest replica may answer).
 * - Everything else (form posts, uploads…): `first-primary`. The primary is at least as fresh as any
 *   bookmark, so a mutation never needs the cookie.
 * - After a mutation, or any request by a signed-in person, the session's bookmark (which covers
 *   what the request wrote and read) goes back in the cookie when it is newer than the cookie's, so
 *   the person's next reads are at least that fresh: their own writes (also those a GET makes, like
 *   the payouts return page) and nothing older than a page they have already seen. Anonymous reads
 *   never set it: shared pages stay free of cookies, and the edge cache stores only those.
 *
 * Queue consumers, Durable Objects and the cron use the bare `env.DB`: without a session every D1
 * query goes to the primary, which is what their read-after-write steps need.
 */
import { d1Bookmark, withD1Session } from "./db.server";

export const BOOKMARK_COOKIE = "at_bookmark";
/** Long enough for replicas to catch up (they lag by seconds); the cookie is only about freshness. */
export const BOOKMARK_MAX_AGE_SECONDS = 300;

/** What D1 hands out: four dash-separated hex fields (e.g. `0000002a-0000001c-00004c6d-<32 hex>`). */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** The bookmark in the request's cookie, or null when it is absent or not shaped like one of D1's. */
export function bookmarkFromCookie(request: Request): string | null {
  const m = /(?:^|;\s*)at_bookmark=([^;]*)/.exec(request.headers.get("Cookie") ?? "");
  const value = m?.[1].trim() ?? "";
  return BOOKMARK.test(value) ? value : null;
}

const readOnly = (method: string) => method === "GET" || method === "HEAD";

export type RequestD1 = {
  /** `env` with `DB` replaced by this request's session: hand this to everything below. */
  env: Env;
  /** Adds the bookmark cookie when the session moved past the cookie's (mutations, signed-in reads). */
  finish(response: Response): Response;
};

/**
 * `signedIn`: the request carries a session cookie (its responses are personal, never shared), so
 * its reads also refresh the cookie.
 */
export function openRequestSession(request: Request, env: Env, signedIn: boolean): RequestD1 {
  const incoming = bookmarkFromCookie(request);
  const mutation = !readOnly(request.method);
  const sessionEnv = withD1Session(env, mutation ? "first-primary" : (incoming ?? "first-unconstrained"));
  return {
    env: sessionEnv,
    finish(response) {
      if (!mutation && !signedIn) return response;
      const bookmark = d1Bookmark(sessionEnv);
      // Bookmarks sort in time order; only a newer one is worth a cookie.
      if (!bookmark || !BOOKMARK.test(bookmark) || (incoming && bookmark <= incoming)) return response;
      const secure = env.APP_ENV === "development" ? "" : "; Secure";
      response.headers.append(
        "Set-Cookie",
        `${BOOKMARK_COOKIE}=${bookmark}; Path=/; Max-Age=${BOOKMARK_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
      );
      return response;
    },
  };
}
