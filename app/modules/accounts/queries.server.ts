/** The accounts domain's SQL: what deleting an account reads and writes (decision 68). */
import { and, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { accountTokens, sessions, users } from "~/modules/identity/schema";
import { creators, handleRedirects, handleReservations } from "~/modules/storefronts/schema";
import { apps, appScreenshots, counters } from "~/modules/apps/schema";
import { memberships, orders } from "~/modules/payments/schema";
import { posts, rssTokens } from "~/modules/posts/schema";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";
import { feedItems } from "~/modules/feed/schema";
import { notifications } from "~/modules/notifications/schema";
import { creatorEmailOptouts, emailPreferences } from "~/modules/email/schema";
import { dataExports } from "~/modules/exports/schema";
import { comments, feedbackItems } from "~/modules/community/schema";
import { bumpThreadsOfAuthor } from "~/modules/standing/queries.server";

const LIVE = ["active", "trialing", "past_due"];

/** Live memberships this person holds, and (as a creator) live memberships of their tiers. */
export async function liveMemberships(env: Env, userId: string) {
  const db = getDb(env);
  return db
    .select({
      id: memberships.id,
      userId: memberships.userId,
      creatorId: memberships.creatorId,
      sub: memberships.stripeSubscriptionId,
      cancelAtPeriodEnd: memberships.cancelAtPeriodEnd,
      periodEnd: memberships.currentPeriodEnd,
      tierName: tiers.name,
    })
    .from(memberships)
    .leftJoin(tiers, eq(tiers.id, memberships.tierId))
    .where(and(inArray(memberships.status, LIVE), or(eq(memberships.userId, userId), eq(memberships.creatorId, userId))));
}

/** Free memberships end at once (nothing to renew or charge). */
export async function endFreeMemberships(env: Env, ids: string[]) {
  if (!ids.length) return;
  await getDb(env)
    .update(memberships)
    .set({ status: "canceled", updatedAt: Math.floor(Date.now() / 1000) })
    .where(inArray(memberships.id, ids));
}

/** Whether this person ever bought something (the farewell mail says the order amounts are kept). */
export async function hasOrders(env: Env, userId: string): Promise<boolean> {
  const row = await getDb(env).select({ id: orders.id }).from(orders).where(eq(orders.buyerId, userId)).limit(1);
  return row.length > 0;
}

/** R2 keys of this person's data exports (deleted with the account). */
export async function exportKeys(env: Env, userId: string): Promise<string[]> {
  const rows = await getDb(env).select({ k: dataExports.r2Key }).from(dataExports).where(eq(dataExports.userId, userId));
  return rows.map((r) => r.k).filter((k): k is string => !!k);
}

/** R2 keys of the public images a creator uploaded (avatar, app logos and screenshots, post covers). */
export async function creatorMediaKeys(env: Env, userId: string): Promise<string[]> {
  const db = getDb(env);
  const [c, a, s, p] = await db.batch([
    db.select({ k: creators.avatarKey }).from(creators).where(eq(creators.userId, userId)),
    db.select({ k: apps.logoKey }).from(apps).where(eq(apps.creatorId, userId)),
    db
      .select({ k: appScreenshots.key })
      .from(appScreenshots)
      .innerJoin(apps, eq(apps.id, appScreenshots.appId))
      .where(eq(apps.creatorId, userId)),
    db
      .select({ k: posts.coverKey })
      .from(posts)
      .where(and(eq(posts.creatorId, userId), isNotNull(posts.coverKey))),
  ]);
  return [...c, ...a, ...s, ...p].map((r) => r.k).filter((k): k is string => !!k);
}

/**
 * The deletion itself, in one batch: the account row stays (orders and memberships point at it, for
 * accounting) but holds no personal data; the storefront row stays hidden and anonymised (products
 * and their files stay for buyers) with a placeholder handle, the old handle reserved until
 * `releaseAt`; apps and posts are deleted; tiers archived and products taken off sale; sessions,
 * private RSS links, feed, notifications and email preferences removed.
 */
export async function writeDeletion(
  env: Env,
  p: { userId: string; now: number; placeholderEmail: string; handle: string | null; placeholderHandle: string; releaseAt: number },
) {
  const db = getDb(env);
  const creatorWrites = p.handle
    ? [
        db.delete(posts).where(eq(posts.creatorId, p.userId)),
        db.delete(apps).where(eq(apps.creatorId, p.userId)),
        db.update(tiers).set({ status: "archived" }).where(eq(tiers.creatorId, p.userId)),
        db.update(products).set({ status: "draft" }).where(eq(products.creatorId, p.userId)),
        db
          .update(creators)
          .set({
            handle: p.placeholderHandle,
            displayName: "Deleted creator",
            bioMarkdown: "",
            avatarKey: null,
            links: {},
            hiddenAt: p.now,
            version: sql`${creators.version} + 1`,
            updatedAt: p.now,
          })
          .where(eq(creators.userId, p.userId)),
        db
          .insert(handleReservations)
          .values({ handle: p.handle, releasedAt: p.releaseAt })
          .onConflictDoUpdate({ target: handleReservations.handle, set: { releasedAt: p.releaseAt } }),
        // Handles renamed away from (D62) stop redirecting to the deleted storefront and stay
        // reserved like its current one.
        db
          .insert(handleReservations)
          .select(
            db
              .select({ handle: handleRedirects.oldHandle, releasedAt: sql<number>`${p.releaseAt}`.as("released_at") })
              .from(handleRedirects)
              .where(eq(handleRedirects.userId, p.userId)),
          )
          .onConflictDoUpdate({ target: handleReservations.handle, set: { releasedAt: p.releaseAt } }),
        db.delete(handleRedirects).where(eq(handleRedirects.userId, p.userId)),
        db
          .update(counters)
          .set({ value: sql`${counters.value} + 1` })
          .where(eq(counters.name, "catalog")),
      ]
    : [];
  await db.batch([
    db
      .update(users)
      .set({ email: p.placeholderEmail, passwordHash: "!deleted", isAdmin: false, deletedAt: p.now })
      .where(eq(users.id, p.userId)),
    db.delete(sessions).where(eq(sessions.userId, p.userId)),
    db.delete(rssTokens).where(eq(rssTokens.userId, p.userId)),
    db.delete(feedItems).where(eq(feedItems.userId, p.userId)),
    db.delete(notifications).where(eq(notifications.userId, p.userId)),
    db.delete(emailPreferences).where(eq(emailPreferences.userId, p.userId)),
    db.delete(dataExports).where(eq(dataExports.userId, p.userId)),
    db.delete(accountTokens).where(eq(accountTokens.userId, p.userId)),
    db.delete(creatorEmailOptouts).where(eq(creatorEmailOptouts.userId, p.userId)),
    // Community (decision 73): their comments' text is wiped (a comment with replies stays as
    // "comment deleted"; threads already leave out deleted accounts) and their feedback items hidden.
    bumpThreadsOfAuthor(db, p.userId),
    db.update(comments).set({ bodyMarkdown: "", deletedAt: p.now, pinnedAt: null }).where(eq(comments.authorId, p.userId)),
    db.update(feedbackItems).set({ bodyMarkdown: "", hiddenAt: p.now }).where(eq(feedbackItems.authorId, p.userId)),
    ...creatorWrites,
  ]);
}
