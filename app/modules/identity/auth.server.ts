/**
 * The only module that touches lucia. Everything else asks it for the viewer, starts or ends
 * sessions through it. lucia v3 is in maintenance, so keeping it behind this wall means it can be
 * swapped for hand-rolled sessions without touching callers.
 */
import { Lucia, TimeSpan, type Session, type User } from "lucia";
import { DrizzleSQLiteAdapter } from "@lucia-auth/adapter-drizzle";
import { redirect } from "@remix-run/cloudflare";
import { getDb } from "~/lib/db.server";
import { sessions, users } from "./schema";

export type Viewer = { id: string; email: string; isAdmin: boolean };

function makeLucia(env: Env) {
  return new Lucia(new DrizzleSQLiteAdapter(getDb(env), sessions, users), {
    sessionExpiresIn: new TimeSpan(30, "d"),
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

export type ResolvedSession = { viewer: Viewer | null; sessionId: string | null; setCookie: string | null };

/**
 * Reads the session cookie. Returns the viewer plus a Set-Cookie value when lucia extended the
 * session or the cookie must be cleared. Requests without a cookie never touch the database.
 */
export async function resolveSession(request: Request, env: Env): Promise<ResolvedSession> {
  const l = lucia(env);
  const sessionId = l.readSessionCookie(request.headers.get("Cookie") ?? "");
  if (!sessionId) return { viewer: null, sessionId: null, setCookie: null };
  const { session, user } = await l.validateSession(sessionId);
  if (!session || !user) return { viewer: null, sessionId: null, setCookie: l.createBlankSessionCookie().serialize() };
  return {
    viewer: toViewer(user),
    sessionId: session.id,
    setCookie: session.fresh ? l.createSessionCookie(session.id).serialize() : null,
  };
}

function toViewer(user: User): Viewer {
  return { id: user.id, email: user.email, isAdmin: Boolean(user.isAdmin) };
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
