/**
 * In-app notifications (the bell). `notify` is idempotent per (user, kind, subject): a retried
 * queue message or webhook never produces two. New-post notifications are written in bulk by the
 * feed fan-out (feed/service.server.ts), one INSERT … SELECT per follower page.
 */
import { and, desc, eq, isNull, lt, or, sql, type SQLWrapper } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { qualified } from "~/lib/sql";
import { newId, nowSeconds } from "~/lib/ids";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";
import { notifications, type NotificationKind } from "./schema";

export type NotifyInput = { userId: string; kind: NotificationKind; subjectId: string; actorId?: string | null; message: string; link: string; expiresAt?: number | null };

export async function notify(env: Env, n: NotifyInput) {
  await getDb(env)
    .insert(notifications)
    .values({ id: newId(), userId: n.userId, kind: n.kind, subjectId: n.subjectId, actorId: n.actorId ?? null, message: n.message, link: n.link, expiresAt: n.expiresAt ?? null, createdAt: nowSeconds() })
    .onConflictDoNothing();
}

/** Unread count for the bell (counted up to 100; the badge shows "99+"). */
export async function unreadCount(env: Env, userId: string): Promise<number> {
  const row = await getDb(env).get<{ n: number }>(sql`SELECT ${unreadCountSql(sql`${userId}`)} AS n`);
  return Number(row?.n ?? 0);
}

/**
 * The bell's unread count (up to 100) for the user in `userId`, as a scalar subquery: the session
 * lookup (identity/auth.server) folds it into its one query, so the header costs no round trip.
 */
export const unreadCountSql = (userId: SQLWrapper) =>
  sql<number>`(SELECT count(*) FROM (SELECT 1 FROM ${notifications} WHERE ${qualified(notifications.userId)} = ${userId} AND ${qualified(notifications.readAt)} IS NULL LIMIT 100))`.mapWith(Number);

export async function listNotifications(env: Env, userId: string, before: { t: number; id: string } | null, limit = 30) {
  const rows = await getDb(env)
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, userId),
        before ? or(lt(notifications.createdAt, before.t), and(eq(notifications.createdAt, before.t), lt(notifications.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((n) => ({ id: n.id, kind: n.kind, message: n.message, link: n.link, createdAt: n.createdAt, unread: n.readAt == null, expired: n.expiresAt != null && n.expiresAt < nowSeconds() })),
    next: rows.length > limit && last ? `${last.createdAt}.${last.id}` : null,
  };
}

export function parseNotificationCursor(s: string | null): { t: number; id: string } | null {
  const m = s?.match(/^(\d{1,12})\.([a-z0-9]{1,40})$/);
  return m ? { t: Number(m[1]), id: m[2] } : null;
}

export async function markAllRead(env: Env, userId: string) {
  await getDb(env)
    .update(notifications)
    .set({ readAt: nowSeconds() })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
}

/** Marks one notification read (only the owner's); returns its URL to follow. */
export async function openNotification(env: Env, userId: string, id: string): Promise<string | null> {
  const rows = await getDb(env)
    .update(notifications)
    .set({ readAt: nowSeconds() })
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .returning({ link: notifications.link });
  return rows[0]?.link ?? null;
}

/** Issue 4 hooks: tell the creator about a sale / a new member. Idempotent per order / membership. */
export async function notifyNewPurchase(env: Env, n: { creatorId: string; productId: string; orderKey: string }) {
  const product = await getDb(env).query.products.findFirst({ where: eq(products.id, n.productId), columns: { title: true } });
  await notify(env, { userId: n.creatorId, kind: "new_purchase", subjectId: n.orderKey, message: `New sale: ${product?.title ?? "a product"}`, link: "/dashboard" });
}

export async function notifyNewSubscriber(env: Env, n: { creatorId: string; tierId: string; membershipKey: string }) {
  if (!n.creatorId) return;
  const tier = await getDb(env).query.tiers.findFirst({ where: eq(tiers.id, n.tierId), columns: { name: true } });
  await notify(env, { userId: n.creatorId, kind: "new_subscriber", subjectId: n.membershipKey, message: `New member on ${tier?.name ?? "a tier"}`, link: "/dashboard" });
}
