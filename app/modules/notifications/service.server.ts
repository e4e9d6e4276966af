/**
 * In-app notifications (the bell). `notify` is idempotent per (user, kind, subject): a retried
 * queue message or webhook never produces two. New-post notifications are written in bulk by the
 * feed fan-out (feed/service.server.ts), one INSERT … SELECT per follower page.
 */
import { and, desc, eq, isNull, lt, or, sql, type SQLWrapper } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { qualified } from "~/lib/sql";
import { newId, nowSeconds } from "~/lib/ids";
import { notFound } from "~/lib/errors";
import { memberships, orders } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import { notifications, type NotificationKind } from "./schema";

export type NotifyInput = {
  userId: string;
  kind: NotificationKind;
  subjectId: string;
  actorId?: string | null;
  /** Who did it, as the recipient reads it. */
  actorName?: string | null;
  message: string;
  link: string;
  expiresAt?: number | null;
  /** Repeats with the same key show as one line ("9 new members joined Inner circle"). */
  groupKey?: string | null;
  groupLabel?: string | null;
};

export async function notify(env: Env, n: NotifyInput) {
  await getDb(env)
    .insert(notifications)
    .values({
      id: newId(),
      userId: n.userId,
      kind: n.kind,
      subjectId: n.subjectId,
      actorId: n.actorId ?? null,
      actorName: n.actorName ?? null,
      message: n.message,
      link: n.link,
      expiresAt: n.expiresAt ?? null,
      createdAt: nowSeconds(),
      groupKey: n.groupKey ?? null,
      groupLabel: n.groupLabel ?? null,
    })
    .onConflictDoNothing();
}

/**
 * How a person is named to a creator: their storefront name and handle. A member without a
 * storefront has no public name, and their email stays private, so they are not named.
 */
export async function personName(env: Env, userId: string | null | undefined): Promise<string | null> {
  if (!userId) return null;
  const row = await getDb(env).query.creators.findFirst({
    where: eq(creators.userId, userId),
    columns: { handle: true, displayName: true },
  });
  return row ? `${row.displayName} (@${row.handle})` : null;
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
  // A group of repeats ("9 new members joined Inner circle") counts once, as the page shows it.
  sql<number>`(SELECT count(DISTINCT coalesce(g, id)) FROM (SELECT ${qualified(notifications.groupKey)} AS g, ${qualified(notifications.id)} AS id FROM ${notifications} WHERE ${qualified(notifications.userId)} = ${userId} AND ${qualified(notifications.readAt)} IS NULL LIMIT 100))`.mapWith(
    Number,
  );

type Row = typeof notifications.$inferSelect;

/** One line of the notifications page: a single notification, or several repeats grouped. */
export type NotificationEntry = {
  id: string;
  kind: NotificationKind;
  message: string;
  /** For a group: who, e.g. "Ana Ruiz (@ana), Ben and 7 others". */
  detail: string | null;
  link: string | null;
  createdAt: number;
  unread: boolean;
  expired: boolean;
  count: number;
  groupKey: string | null;
};

function groupMessage(kind: NotificationKind, n: number, label: string | null, first: Row): string {
  const what = label ?? "";
  if (kind === "new_subscriber") return `${n} new members joined ${what || "your tiers"}`;
  if (kind === "new_purchase") return `${n} new sales of ${what || "your products"}`;
  if (kind === "new_follower") return `${n} new followers`;
  return first.message;
}

function names(rows: Row[]): string | null {
  const all = [...new Set(rows.map((r) => r.actorName).filter((x): x is string => !!x))];
  if (!all.length) return null;
  const shown = all.slice(0, 2);
  const others = rows.length - shown.length;
  return others > 0 ? `${shown.join(", ")} and ${others} other${others === 1 ? "" : "s"}` : shown.join(" and ");
}

/**
 * Folds repeats within a page into one entry at the newest one's place: same group key and same
 * read state (an unread group is news; what was read stays folded separately).
 */
export function groupNotifications(rows: Row[], now = nowSeconds()): NotificationEntry[] {
  const groups = new Map<string, Row[]>();
  const order: (Row | string)[] = [];
  for (const r of rows) {
    if (!r.groupKey) {
      order.push(r);
      continue;
    }
    const key = `${r.groupKey}|${r.readAt == null ? "unread" : "read"}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else {
      groups.set(key, [r]);
      order.push(key);
    }
  }
  return order.map((o) => {
    const list = typeof o === "string" ? groups.get(o)! : [o];
    const first = list[0];
    return {
      id: first.id,
      kind: first.kind,
      message: list.length > 1 ? groupMessage(first.kind, list.length, first.groupLabel, first) : first.message,
      detail: list.length > 1 ? names(list) : null,
      link: first.link,
      createdAt: first.createdAt,
      unread: first.readAt == null,
      expired: first.expiresAt != null && first.expiresAt < now,
      count: list.length,
      groupKey: list.length > 1 ? first.groupKey : null,
    };
  });
}

export async function listNotifications(env: Env, userId: string, before: { t: number; id: string } | null, limit = 30) {
  const rows = await getDb(env)
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, userId),
        before
          ? or(lt(notifications.createdAt, before.t), and(eq(notifications.createdAt, before.t), lt(notifications.id, before.id)))
          : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: groupNotifications(page),
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

/** Marks one notification read (only the owner's); returns its URL to follow. Another user's id (or none) is a 404. */
export async function openNotification(env: Env, userId: string, id: string): Promise<string | null> {
  const rows = await getDb(env)
    .update(notifications)
    .set({ readAt: nowSeconds() })
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .returning({ link: notifications.link });
  if (!rows[0]) throw notFound("We couldn't find that notification.");
  return rows[0].link;
}

/**
 * Marks one notification read, or with `group` every unread one of that group (only the owner's).
 * A notification that isn't theirs is a 404.
 */
export async function markRead(env: Env, userId: string, target: { id: string; group?: string | null }) {
  const db = getDb(env);
  const one = await db.query.notifications.findFirst({
    where: and(eq(notifications.id, target.id), eq(notifications.userId, userId)),
    columns: { groupKey: true },
  });
  if (!one) throw notFound("That notification doesn't exist.");
  const group = target.group && target.group === one.groupKey ? one.groupKey : null;
  await db
    .update(notifications)
    .set({ readAt: nowSeconds() })
    .where(
      and(
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
        group ? eq(notifications.groupKey, group) : eq(notifications.id, target.id),
      ),
    );
}

/** Payment hooks: tell the creator about a sale / a new member. Idempotent per order / membership. */
export async function notifyNewPurchase(env: Env, n: { creatorId: string; productId: string; orderKey: string }) {
  const db = getDb(env);
  const [product, order] = await Promise.all([
    db.query.products.findFirst({ where: eq(products.id, n.productId), columns: { title: true } }),
    db.query.orders.findFirst({ where: eq(orders.checkoutSessionId, n.orderKey), columns: { buyerId: true } }),
  ]);
  const title = product?.title ?? "a product";
  const who = await personName(env, order?.buyerId);
  await notify(env, {
    userId: n.creatorId,
    kind: "new_purchase",
    subjectId: n.orderKey,
    actorId: order?.buyerId ?? null,
    actorName: who,
    message: who ? `${who} bought ${title}` : `New sale: ${title}`,
    link: `/dashboard/products/${n.productId}`,
    groupKey: `product:${n.productId}`,
    groupLabel: title,
  });
}

export async function notifyNewSubscriber(env: Env, n: { creatorId: string; tierId: string; membershipKey: string }) {
  if (!n.creatorId) return;
  const db = getDb(env);
  const [tier, member] = await Promise.all([
    db.query.tiers.findFirst({ where: eq(tiers.id, n.tierId), columns: { name: true } }),
    db.query.memberships.findFirst({
      where: or(eq(memberships.id, n.membershipKey), eq(memberships.stripeSubscriptionId, n.membershipKey)),
      columns: { userId: true },
    }),
  ]);
  const name = tier?.name ?? "a tier";
  const who = await personName(env, member?.userId);
  await notify(env, {
    userId: n.creatorId,
    kind: "new_subscriber",
    subjectId: n.membershipKey,
    actorId: member?.userId ?? null,
    actorName: who,
    message: `${who ?? "A new member"} joined ${name}`,
    link: `/dashboard/tiers/${n.tierId}`,
    groupKey: `tier:${n.tierId}`,
    groupLabel: name,
  });
}
