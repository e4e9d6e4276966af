/**
 * In-app notifications (the bell). `notify` is idempotent per (user, kind, subject): a retried
 * queue message or webhook never produces two. New-post notifications are written in bulk by the
 * feed fan-out (feed/service.server.ts), one INSERT … SELECT per follower page.
 */
import { and, count, desc, eq, isNull, lt, or } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { notifications, type NotificationKind } from "./schema";

export type NotifyInput = { userId: string; kind: NotificationKind; subjectId: string; actorId?: string | null; title: string; url: string };

export async function notify(env: Env, n: NotifyInput) {
  await getDb(env)
    .insert(notifications)
    .values({ id: newId(), userId: n.userId, kind: n.kind, subjectId: n.subjectId, actorId: n.actorId ?? null, title: n.title, url: n.url, createdAt: nowSeconds() })
    .onConflictDoNothing();
}

/** Unread count for the bell (counted up to 100; the badge shows "99+"). */
export async function unreadCount(env: Env, userId: string): Promise<number> {
  const db = getDb(env);
  const sub = db
    .select({ one: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .limit(100)
    .as("u");
  const [row] = await db.select({ n: count() }).from(sub);
  return row?.n ?? 0;
}

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
    items: page.map((n) => ({ id: n.id, kind: n.kind, title: n.title, url: n.url, createdAt: n.createdAt, unread: n.readAt == null })),
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
    .returning({ url: notifications.url });
  return rows[0]?.url ?? null;
}
