import { sql } from "drizzle-orm";
import { getDb, type Db } from "~/lib/db.server";
import { tooManyRequests } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { rateLimits } from "./schema";

export type Limit = { key: string; max: number; windowSeconds: number; message: string };

/**
 * Counts one hit against a fixed window in a single atomic upsert and returns the new count.
 * D1 runs each statement atomically, so concurrent hits never lose a count.
 */
export async function hit(db: Db, key: string, windowSeconds: number): Promise<{ count: number; resetAt: number }> {
  const now = nowSeconds();
  const windowStart = now - (now % windowSeconds);
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart, count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`CASE WHEN ${rateLimits.windowStart} = ${windowStart} THEN ${rateLimits.count} + 1 ELSE 1 END`,
        windowStart: sql`${windowStart}`,
      },
    })
    .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart });
  return { count: row.count, resetAt: row.windowStart + windowSeconds };
}

/** Current count without adding to it. */
export async function peek(db: Db, key: string, windowSeconds: number): Promise<{ count: number; resetAt: number }> {
  const now = nowSeconds();
  const windowStart = now - (now % windowSeconds);
  const row = await db.query.rateLimits.findFirst({ where: (t, { eq }) => eq(t.key, key) });
  if (!row || row.windowStart !== windowStart) return { count: 0, resetAt: windowStart + windowSeconds };
  return { count: row.count, resetAt: windowStart + windowSeconds };
}

/** Throws 429 with a "try again in …" message when any of the limits is already exhausted. */
export async function assertUnderLimits(db: Db, limits: Limit[]): Promise<void> {
  for (const limit of limits) {
    const { count, resetAt } = await peek(db, limit.key, limit.windowSeconds);
    if (count >= limit.max) {
      const retry = Math.max(1, resetAt - nowSeconds());
      throw tooManyRequests(`${limit.message} Try again in ${humanDuration(retry)}.`, retry);
    }
  }
}

function humanDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Free orders a person (by email) and a network address (by IP) may claim per hour (D69). */
export const FREE_ORDER_LIMITS = { perEmail: 10, perIp: 30, windowSeconds: 60 * 60 } as const;

/**
 * A $0 order, recorded without Stripe: a free product or pay what you want paid at 0. Rate-limited
 * per email and per IP — each hit is counted in one atomic upsert and checked against the count it
 * returned, so concurrent claims can't slip past the limit. One order per person per product
 * (insertFreeOrder). Delivered like any purchase: the library, a receipt email, the creator's alert.
 */
export async function assertFreeOrderAllowed(env: Env, email: string, ip: string): Promise<void> {
  const db = getDb(env);
  const w = FREE_ORDER_LIMITS.windowSeconds;
  const [byEmail, byIp] = await Promise.all([hit(db, `free-order:email:${email.toLowerCase()}`, w), hit(db, `free-order:ip:${ip}`, w)]);
  const over = byEmail.count > FREE_ORDER_LIMITS.perEmail ? byEmail : byIp.count > FREE_ORDER_LIMITS.perIp ? byIp : null;
  if (over) {
    const retry = Math.max(1, over.resetAt - nowSeconds());
    throw tooManyRequests(
      `That's a lot of free downloads in a short time. Try again in ${Math.ceil(retry / 60)} minute${retry > 60 ? "s" : ""}.`,
      retry,
    );
  }
}
