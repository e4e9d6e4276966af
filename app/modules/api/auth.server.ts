import { AppError, forbidden } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import type { Viewer } from "~/modules/identity/auth.server";
import { hashToken, looksLikePersonalToken } from "./tokens.server";

/** The caller of an authenticated API request: the token, its owner and what it may do. */
export type ApiCaller = {
  tokenId: string;
  tokenHash: string;
  viewer: Viewer;
  scopes: Set<string>;
  /** The owner's entitlement generation (see licenses/schema.ts), read in the same batch. */
  entitlementVersion: number;
  rate: RateState;
};

export type RateState = { limit: number; remaining: number; resetSeconds: number; windowSeconds: number };

const WINDOW_SECONDS = 60;
const LAST_USED_EVERY_SECONDS = 60;

type TokenRow = {
  id: string;
  user_id: string;
  scopes: string;
  expires_at: number | null;
  revoked_at: number | null;
  email: string;
  is_admin: number;
  blocked: number;
  version: number;
};

const unauthorized = (message: string) =>
  new AppError(401, message, {}, { "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' });

export function rateLimitPerMinute(env: Env): number {
  const n = Number(env.API_RATE_LIMIT_PER_MINUTE ?? 600);
  return Number.isFinite(n) && n > 0 ? n : 600;
}

/** `RateLimit-*` headers (draft-ietf-httpapi-ratelimit-headers) for a response. */
export function rateHeaders(r: RateState): Record<string, string> {
  return {
    "RateLimit-Limit": String(r.limit),
    "RateLimit-Remaining": String(r.remaining),
    "RateLimit-Reset": String(r.resetSeconds),
    "RateLimit-Policy": `${r.limit};w=${r.windowSeconds}`,
  };
}

/**
 * Authenticates a bearer token in ONE D1 batch: the token with its owner (suspension) and the
 * owner's entitlement generation; the rate-limit hit (an atomic upsert on a fixed window, so
 * concurrent requests never lose a count); and the last-used time, written at most once a minute.
 */
export async function authenticateApi(env: Env, request: Request, now = nowSeconds()): Promise<ApiCaller> {
  const header = request.headers.get("Authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw unauthorized("Send a personal access token: Authorization: Bearer at_pat_…");
  if (!looksLikePersonalToken(m[1])) throw unauthorized("That token is not valid.");
  const tokenHash = await hashToken(m[1]);
  const windowStart = now - (now % WINDOW_SECONDS);
  const db = env.DB;
  const [lookup, hit] = await db.batch([
    db
      .prepare(
        `SELECT t.id, t.user_id, t.scopes, t.expires_at, t.revoked_at, u.email, u.is_admin,
           (u.suspended_at IS NOT NULL OR u.deleted_at IS NOT NULL) AS blocked, COALESCE(ev.version, 0) AS version
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         LEFT JOIN entitlement_versions ev ON ev.creator_id = t.user_id
         WHERE t.token_hash = ?1`,
      )
      .bind(tokenHash),
    db
      .prepare(
        `INSERT INTO rate_limits (key, window_start, count)
         SELECT 'api:' || id, ?2, 1 FROM api_tokens
         WHERE token_hash = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?3)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END,
           window_start = excluded.window_start
         RETURNING count, window_start`,
      )
      .bind(tokenHash, windowStart, now),
    db
      .prepare(
        `UPDATE api_tokens SET last_used_at = ?2
         WHERE token_hash = ?1 AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <= ?3)`,
      )
      .bind(tokenHash, now, now - LAST_USED_EVERY_SECONDS),
  ]);
  const row = (lookup.results as TokenRow[])[0];
  if (!row) throw unauthorized("That token is not valid.");
  if (row.revoked_at !== null) throw unauthorized("That token was revoked.");
  if (row.expires_at !== null && row.expires_at <= now) throw unauthorized("That token has expired.");
  if (row.blocked) throw forbidden("This account is suspended, so its tokens don't work.");
  const limit = rateLimitPerMinute(env);
  const counted = (hit.results as { count: number; window_start: number }[])[0];
  const count = counted?.count ?? 1;
  const resetSeconds = Math.max(1, (counted?.window_start ?? windowStart) + WINDOW_SECONDS - now);
  const rate: RateState = { limit, remaining: Math.max(0, limit - count), resetSeconds, windowSeconds: WINDOW_SECONDS };
  if (count > limit) {
    throw new AppError(
      429,
      `This token made more than ${limit} requests this minute. Try again in ${resetSeconds} s.`,
      {},
      {
        "Retry-After": String(resetSeconds),
        ...rateHeaders(rate),
      },
    );
  }
  return {
    tokenId: row.id,
    tokenHash,
    viewer: { id: row.user_id, email: row.email, isAdmin: Boolean(row.is_admin) },
    scopes: new Set(row.scopes.split(" ")),
    entitlementVersion: row.version,
    rate,
  };
}

/** Throws 403 unless the token carries `scope`. */
export function requireScope(caller: ApiCaller, scope: string) {
  if (!caller.scopes.has(scope)) throw forbidden(`This token lacks the "${scope}" scope.`);
}
