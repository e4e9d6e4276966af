/** The exports domain's SQL: export rows, and what goes into a data export or an audience export. */
import { and, asc, desc, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { users } from "~/modules/identity/schema";
import { creators } from "~/modules/storefronts/schema";
import { apps } from "~/modules/apps/schema";
import { posts } from "~/modules/posts/schema";
import { productFiles, products } from "~/modules/products/schema";
import { invoices, memberships, orders } from "~/modules/payments/schema";
import { tiers } from "~/modules/tiers/schema";
import { follows } from "~/modules/follows/schema";
import { notifications } from "~/modules/notifications/schema";
import { emailPreferences } from "~/modules/email/schema";
import { dataExports, type ExportKind } from "./schema";
import { comments, feedbackItems } from "~/modules/community/schema";

export async function insertExport(env: Env, row: typeof dataExports.$inferInsert) {
  await getDb(env).insert(dataExports).values(row);
}

export function findExport(env: Env, id: string) {
  return getDb(env).query.dataExports.findFirst({ where: eq(dataExports.id, id) });
}

export async function markExport(env: Env, id: string, set: Partial<typeof dataExports.$inferInsert>) {
  await getDb(env).update(dataExports).set(set).where(eq(dataExports.id, id));
}

export function listExports(env: Env, userId: string) {
  return getDb(env).select().from(dataExports).where(eq(dataExports.userId, userId)).orderBy(desc(dataExports.createdAt)).limit(10);
}

/** A pending export of this kind started in the last `withinSeconds` (one at a time). */
export async function pendingExport(env: Env, userId: string, kind: ExportKind, since: number) {
  const rows = await getDb(env)
    .select({ id: dataExports.id })
    .from(dataExports)
    .where(
      and(
        eq(dataExports.userId, userId),
        eq(dataExports.kind, kind),
        eq(dataExports.status, "pending"),
        sql`${dataExports.createdAt} > ${since}`,
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

/** Everything the data export holds about one person, in one D1 batch. */
export async function personalData(env: Env, userId: string) {
  const db = getDb(env);
  const [
    user,
    creator,
    appRows,
    postRows,
    productRows,
    fileRows,
    bought,
    sold,
    memberOf,
    subscriptionPayments,
    following,
    notes,
    commentRows,
    feedbackRows,
  ] = await db.batch([
    db.select({ id: users.id, email: users.email, createdAt: users.createdAt }).from(users).where(eq(users.id, userId)),
    db
      .select({
        handle: creators.handle,
        displayName: creators.displayName,
        bio: creators.bioMarkdown,
        links: creators.links,
        createdAt: creators.createdAt,
      })
      .from(creators)
      .where(eq(creators.userId, userId)),
    db
      .select({
        slug: apps.slug,
        name: apps.name,
        tagline: apps.tagline,
        description: apps.descriptionMarkdown,
        appUrl: apps.appUrl,
        category: apps.categorySlug,
        techStack: apps.techStack,
        status: apps.status,
        published: apps.published,
        createdAt: apps.createdAt,
      })
      .from(apps)
      .where(eq(apps.creatorId, userId))
      .orderBy(asc(apps.createdAt)),
    db
      .select({
        slug: posts.slug,
        title: posts.title,
        body: posts.bodyMarkdown,
        status: posts.status,
        visibility: posts.visibility,
        publishedAt: posts.publishedAt,
        createdAt: posts.createdAt,
      })
      .from(posts)
      .where(eq(posts.creatorId, userId))
      .orderBy(asc(posts.createdAt)),
    db
      .select({
        id: products.id,
        slug: products.slug,
        title: products.title,
        type: products.type,
        description: products.descriptionMarkdown,
        priceAmount: products.priceAmount,
        currency: products.currency,
        status: products.status,
        createdAt: products.createdAt,
      })
      .from(products)
      .where(eq(products.creatorId, userId))
      .orderBy(asc(products.createdAt)),
    db
      .select({ productId: productFiles.productId, fileName: productFiles.fileName, size: productFiles.size, mime: productFiles.mime })
      .from(productFiles)
      .innerJoin(products, eq(products.id, productFiles.productId))
      .where(eq(products.creatorId, userId)),
    db
      .select({
        id: orders.id,
        product: products.title,
        gross: orders.gross,
        currency: orders.currency,
        status: orders.status,
        amountRefunded: orders.amountRefunded,
        createdAt: orders.createdAt,
      })
      .from(orders)
      .leftJoin(products, eq(products.id, orders.productId))
      .where(eq(orders.buyerId, userId))
      .orderBy(asc(orders.createdAt)),
    db
      .select({
        id: orders.id,
        product: products.title,
        gross: orders.gross,
        fee: orders.fee,
        net: orders.net,
        currency: orders.currency,
        status: orders.status,
        amountRefunded: orders.amountRefunded,
        createdAt: orders.createdAt,
      })
      .from(orders)
      .leftJoin(products, eq(products.id, orders.productId))
      .where(eq(orders.creatorId, userId))
      .orderBy(asc(orders.createdAt)),
    db
      .select({
        tier: tiers.name,
        creator: creators.handle,
        status: memberships.status,
        amount: memberships.amount,
        currency: memberships.currency,
        interval: memberships.interval,
        cancelAtPeriodEnd: memberships.cancelAtPeriodEnd,
        currentPeriodEnd: memberships.currentPeriodEnd,
        since: memberships.createdAt,
      })
      .from(memberships)
      .leftJoin(tiers, eq(tiers.id, memberships.tierId))
      .leftJoin(creators, eq(creators.userId, memberships.creatorId))
      .where(eq(memberships.userId, userId))
      .orderBy(asc(memberships.createdAt)),
    db
      .select({ id: invoices.id, gross: invoices.gross, currency: invoices.currency, status: invoices.status, paidAt: invoices.paidAt })
      .from(invoices)
      .where(eq(invoices.userId, userId))
      .orderBy(asc(invoices.paidAt)),
    db
      .select({ handle: creators.handle, displayName: creators.displayName, since: follows.createdAt })
      .from(follows)
      .innerJoin(creators, eq(creators.userId, follows.creatorId))
      .where(eq(follows.followerId, userId))
      .orderBy(asc(follows.createdAt)),
    db
      .select({
        kind: notifications.kind,
        message: notifications.message,
        link: notifications.link,
        createdAt: notifications.createdAt,
        readAt: notifications.readAt,
      })
      .from(notifications)
      .where(eq(notifications.userId, userId))
      .orderBy(asc(notifications.createdAt)),
    // Community (decision 73): what they wrote, wherever it hangs.
    db
      .select({
        id: comments.id,
        on: comments.targetType,
        targetId: comments.targetId,
        replyTo: comments.parentId,
        body: comments.bodyMarkdown,
        createdAt: comments.createdAt,
        editedAt: comments.editedAt,
      })
      .from(comments)
      .where(and(eq(comments.authorId, userId), isNull(comments.deletedAt)))
      .orderBy(asc(comments.createdAt)),
    db
      .select({
        id: feedbackItems.id,
        appId: feedbackItems.appId,
        kind: feedbackItems.kind,
        title: feedbackItems.title,
        body: feedbackItems.bodyMarkdown,
        status: feedbackItems.status,
        createdAt: feedbackItems.createdAt,
      })
      .from(feedbackItems)
      .where(eq(feedbackItems.authorId, userId))
      .orderBy(asc(feedbackItems.createdAt)),
  ]);
  return {
    profile: { ...user[0], creator: creator[0] ?? null },
    apps: appRows,
    posts: postRows,
    products: productRows.map((p) => ({ ...p, files: fileRows.filter((f) => f.productId === p.id).map(({ productId: _p, ...f }) => f) })),
    orders: { bought, sold },
    memberships: { held: memberOf, payments: subscriptionPayments },
    follows: following,
    notifications: notes,
    comments: commentRows,
    feedback: feedbackRows,
  };
}

/**
 * A creator's audience: followers who have not turned emails off (there is no separate consent flag:
 * "didn't opt out of emails" stands in for it), and members of their tiers with tier, status, since
 * and email. Deleted and suspended accounts are left out.
 */
export async function audience(env: Env, creatorId: string) {
  const db = getDb(env);
  const [followerRows, memberRows] = await db.batch([
    db
      .select({ email: users.email, since: follows.createdAt })
      .from(follows)
      .innerJoin(users, eq(users.id, follows.followerId))
      .leftJoin(emailPreferences, eq(emailPreferences.userId, follows.followerId))
      .where(
        and(
          eq(follows.creatorId, creatorId),
          or(isNull(emailPreferences.mode), ne(emailPreferences.mode, "none")),
          isNull(users.deletedAt),
          isNull(users.suspendedAt),
        ),
      )
      .orderBy(asc(follows.createdAt)),
    db
      .select({ email: users.email, tier: tiers.name, status: memberships.status, since: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .leftJoin(tiers, eq(tiers.id, memberships.tierId))
      .where(
        and(
          eq(memberships.creatorId, creatorId),
          isNull(users.deletedAt),
          inArray(memberships.status, ["active", "trialing", "past_due", "canceled"]),
        ),
      )
      .orderBy(asc(memberships.createdAt)),
  ]);
  return { followers: followerRows, members: memberRows };
}
