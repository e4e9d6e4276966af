import { sql } from "drizzle-orm";
import type { Db } from "~/lib/db.server";
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
