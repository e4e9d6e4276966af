/**
 * The only module that touches lucia. Everything else asks it for the viewer, starts or ends
 * sessions through it. lucia v3 is in maintenance, so keeping it behind this wall means it can be
 * swapped for hand-rolled sessions without touching callers.
 */
import { Lucia, TimeSpan, type Session } from "lucia";
import { DrizzleSQLiteAdapter } from "@lucia-auth/adapter-drizzle";
import { redirect } from "@remix-run/cloudflare";
import { eq, sql } from "drizzle-orm";
import { getDb, prepared, runPreparedBatch, type PreparedAll } from "~/lib/db.server";
import { qualified } from "~/lib/sql";
import { creators } from "~/modules/storefronts/schema";
import { unreadCountSql } from "~/modules/notifications/service.server";
import { sessions, users } from "./schema";

export type Viewer = { id: string; email: string; isAdmin: boolean };
/**
 * The signed-in person as every request sees it (`context.viewer`). `handle` (null until they
 * become a creator) and `unread` (the bell, counted up to 100) come from the same single query as
 * the session itself, so the header of a signed-in page costs no extra D1 round trip.
 */
export type SessionViewer = Viewer & { handle: string | null; unread: number; emailVerified: boolean };

const SESSION_DAYS = 30;

function makeLucia(env: Env) {
  return new Lucia(new DrizzleSQLiteAdapter(getDb(env), sessions, users), {
    sessionExpiresIn: new TimeSpan(SESSION_DAYS, "d"),
    sessionCookie: {
      name: "at_session",
      attributes: { secure: env.APP_ENV !== "development", sameSite: "lax" },
    },
    getUserAttributes: (attrs) => ({ email: attrs.email, isAdmin: Boolean(attrs.isAdmin) }),
  });
}

declare module "lucia" {
  interface Register {
    Lucia: ReturnType<typeof makeLucia>;
    DatabaseUserAttributes: { email: string; isAdmin: boolean | number };
  }
}

const lucias = new WeakMap<Env, ReturnType<typeof makeLucia>>();
function lucia(env: Env) {
  let l = lucias.get(env);
  if (!l) lucias.set(env, (l = makeLucia(env)));
  return l;
}

/**
 * True when the request carries a session cookie at all (valid or not). Such requests are never
 * served from, or stored in, the shared edge cache.
 */
export function hasSessionCookie(request: Request): boolean {
  return /(?:^|;\s*)at_session=/.test(request.headers.get("Cookie") ?? "");
}

/**
 * A page's statements that ride along with the session lookup, so a signed-in page costs ONE D1
 * round trip instead of two (D24). They name the viewer through `viewerIdBySession()` (the viewer
 * isn't known before the batch runs) and fill their other placeholders from `values`. `key` says
 * which page and parameters the results are for; the page's loader uses them only on a match.
 */
export type SessionRide = { key: string; queries: readonly PreparedAll<unknown>[]; values: Record<string, unknown> };
/** Results of a ride, handed to the loader through `context.prefetched`. */
export type Prefetched = { key: string; results: readonly unknown[] };

/**
 * The signed-in user's id as SQL, for statements that ride along with the session lookup: the
 * session named by the `session` placeholder. An expired session still matches here, which is why
 * `resolveSession` drops the results unless the session is valid.
 */
export const viewerIdBySession = () =>
  sql`(SELECT ${sessions.userId} FROM ${sessions} WHERE ${sessions.id} = ${sql.placeholder("session")})`;

/**
 * A page's batch: the results that rode in with the session lookup when they are for `key` (a ride
 * with the same statements, see `SessionRide`), otherwise one D1 batch now. `key` null: never
 * prefetched (e.g. no viewer, or a page size no ride uses).
 */
export function batchOrPrefetched<const Q extends readonly PreparedAll<unknown>[]>(
  env: Env,
  queries: Q,
  values: Record<string, unknown>,
  prefetched: Prefetched | null,
  key: string | null,
): ReturnType<typeof runPreparedBatch<Q>> {
  if (key !== null && prefetched?.key === key) return Promise.resolve(prefetched.results as never);
  return runPreparedBatch(env, queries, values);
}

export type ResolvedSession = {
  viewer: SessionViewer | null;
  sessionId: string | null;
  setCookie: string | null;
  prefetched: Prefetched | null;
};

/**
 * The one query behind every signed-in request: session, user, creator handle and unread count.
 * Built once per D1 binding (a drizzle prepared statement), so a request pays only the round trip.
 */
const sessionLookup = (env: Env) =>
  prepared(env, "session", (db) =>
    db
      .select({
        userId: sessions.userId,
        expiresAt: sessions.expiresAt,
        email: users.email,
        isAdmin: users.isAdmin,
        emailVerifiedAt: users.emailVerifiedAt,
        blocked: sql<number>`(${users.suspendedAt} IS NOT NULL OR ${users.deletedAt} IS NOT NULL)`,
        handle: creators.handle,
        unread: unreadCountSql(qualified(users.id)),
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .leftJoin(creators, eq(creators.userId, sessions.userId))
      .where(eq(sessions.id, sql.placeholder("session")))
      .prepare(),
  );

/**
 * Reads the session cookie. Returns the viewer plus a Set-Cookie value when the session was
 * extended or the cookie must be cleared. Requests without a cookie never touch the database.
 * Same rules as lucia's validateSession (expired → deleted; past half its life → extended to
 * another 30 days), in one D1 query instead of lucia's two plus the header's own. With a `ride`,
 * the page's own statements run in that same D1 batch (their results come back as `prefetched`).
 */
export async function resolveSession(request: Request, env: Env, ride: SessionRide | null = null): Promise<ResolvedSession> {
  const l = lucia(env);
  const sessionId = l.readSessionCookie(request.headers.get("Cookie") ?? "");
  if (!sessionId) return { viewer: null, sessionId: null, setCookie: null, prefetched: null };
  let row: Awaited<ReturnType<ReturnType<typeof sessionLookup>["get"]>>;
  let prefetched: Prefetched | null = null;
  if (ride) {
    const [rows, ...results] = await runPreparedBatch(env, [sessionLookup(env), ...ride.queries], { ...ride.values, session: sessionId });
    row = rows[0];
    prefetched = { key: ride.key, results };
  } else {
    row = await sessionLookup(env).get({ session: sessionId });
  }
  const now = Date.now();
  // A suspended or deleted account has no sessions (they are deleted then); this is the backstop.
  if (!row || row.expiresAt * 1000 <= now || row.blocked) {
    if (row) await l.invalidateSession(sessionId);
    return { viewer: null, sessionId: null, setCookie: l.createBlankSessionCookie().serialize(), prefetched: null };
  }
  const lifeMs = SESSION_DAYS * 86_400_000;
  let setCookie: string | null = null;
  if (row.expiresAt * 1000 - now < lifeMs / 2) {
    await getDb(env)
      .update(sessions)
      .set({ expiresAt: Math.floor((now + lifeMs) / 1000) })
      .where(eq(sessions.id, sessionId));
    setCookie = l.createSessionCookie(sessionId).serialize();
  }
  return {
    viewer: {
      id: row.userId,
      email: row.email,
      isAdmin: Boolean(row.isAdmin),
      handle: row.handle ?? null,
      unread: Number(row.unread) || 0,
      emailVerified: row.emailVerifiedAt != null,
    },
    sessionId,
    setCookie,
    prefetched,
  };
}

/**
 * Adds the session lookup's Set-Cookie (a clearing or an extension) to a response, unless the
 * response already sets the session cookie itself: signing in, signing up or out while the
 * browser holds a stale cookie must keep the page's new cookie, not clear it right after.
 */
export function appendSessionCookie(headers: Headers, setCookie: string | null): void {
  if (!setCookie) return;
  const name = setCookie.slice(0, setCookie.indexOf("=") + 1);
  if (headers.getSetCookie().some((c) => c.trimStart().startsWith(name))) return;
  headers.append("Set-Cookie", setCookie);
}

/** Creates a session and returns the Set-Cookie header value. */
export async function startSession(env: Env, userId: string): Promise<string> {
  const l = lucia(env);
  const session: Session = await l.createSession(userId, {});
  return l.createSessionCookie(session.id).serialize();
}

/** Dev/bench only: many sessions at once (bounded parallelism); returns `name=value` cookies. */
export async function startSessions(env: Env, userIds: string[]): Promise<string[]> {
  const l = lucia(env);
  const out: string[] = [];
  for (let i = 0; i < userIds.length; i += 25) {
    const sessions = await Promise.all(userIds.slice(i, i + 25).map((id) => l.createSession(id, {})));
    for (const s of sessions) out.push(l.createSessionCookie(s.id).serialize().split(";")[0]);
  }
  return out;
}

/** Ends one session; returns a Set-Cookie that clears the cookie. */
export async function endSession(env: Env, sessionId: string | null): Promise<string> {
  const l = lucia(env);
  if (sessionId) await l.invalidateSession(sessionId);
  return l.createBlankSessionCookie().serialize();
}

/** Ends every session of a user (log out everywhere, password change). */
export async function endAllSessions(env: Env, userId: string): Promise<void> {
  await lucia(env).invalidateUserSessions(userId);
}

/** Route guard: the signed-in viewer, or a redirect to the login page that comes back here. */
export function requireViewer(request: Request, viewer: Viewer | null): Viewer {
  if (viewer) return viewer;
  const url = new URL(request.url);
  throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}

/** Route guard for sign-in / sign-up pages: signed-in people go home. */
export function requireAnonymous(viewer: Viewer | null): void {
  if (viewer) throw redirect("/");
}
