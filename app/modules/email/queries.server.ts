import { and, asc, desc, eq, gte, inArray, like, sql, isNull } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { nowSeconds } from "~/lib/ids";
import { apps } from "~/modules/apps/schema";
import { feedbackItems } from "~/modules/community/schema";
import { users } from "~/modules/identity/schema";
import { newFeedbackWhere } from "~/modules/standing/queries.server";
import { invoices, memberships, orders, payoutAccounts } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import { creatorEmailOptouts, devMailbox, emailPreferences, emailSends, tierMessages } from "./schema";

/** The members behind these memberships, with their email and tier (deleted accounts left out). */
export async function membersToTell(env: Env, membershipIds: string[]) {
  if (!membershipIds.length) return [];
  const rows = await getDb(env)
    .select({
      membershipId: memberships.id,
      userId: memberships.userId,
      email: users.email,
      tierName: tiers.name,
      periodEnd: memberships.currentPeriodEnd,
      sub: memberships.stripeSubscriptionId,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(tiers, eq(tiers.id, memberships.tierId))
    .where(and(inArray(memberships.id, membershipIds), isNull(users.deletedAt)));
  return rows.map((r) => ({ ...r, paid: !!r.sub }));
}

/** Newest first; optional filter by recipient. */
export async function listMailbox(env: Env, to: string | null, limit = 100) {
  return getDb(env)
    .select({ id: devMailbox.id, to: devMailbox.to, subject: devMailbox.subject, createdAt: devMailbox.createdAt })
    .from(devMailbox)
    .where(to ? like(devMailbox.to, `%${to.replace(/[%_]/g, "")}%`) : undefined)
    .orderBy(desc(devMailbox.createdAt), desc(devMailbox.id))
    .limit(limit);
}

export async function getMailboxMessage(env: Env, id: string) {
  return getDb(env).query.devMailbox.findFirst({ where: eq(devMailbox.id, id) });
}

// ── Transactional emails: what each one reads (other domains' tables, read here, D56) ───────────

/** An order with its product, creator and buyer (the receipt and the creator's sale alert). */
export async function orderForEmail(env: Env, checkoutSessionId: string) {
  const [row] = await getDb(env)
    .select({
      order: orders,
      productTitle: products.title,
      productType: products.type,
      creatorName: creators.displayName,
      creatorUserId: creators.userId,
      buyerEmail: users.email,
      buyerGuestAt: users.guestAt,
    })
    .from(orders)
    .innerJoin(products, eq(products.id, orders.productId))
    .innerJoin(creators, eq(creators.userId, orders.creatorId))
    .innerJoin(users, eq(users.id, orders.buyerId))
    .where(eq(orders.checkoutSessionId, checkoutSessionId))
    .limit(1);
  return row ?? null;
}

/** A membership (by Stripe subscription id or membership id) with its tier, creator and member. */
export async function membershipForEmail(env: Env, by: { subscriptionId?: string; membershipId?: string }) {
  const [row] = await getDb(env)
    .select({
      membership: memberships,
      tierName: tiers.name,
      creatorName: creators.displayName,
      creatorHandle: creators.handle,
      memberEmail: users.email,
      memberGuestAt: users.guestAt,
    })
    .from(memberships)
    .innerJoin(tiers, eq(tiers.id, memberships.tierId))
    .innerJoin(creators, eq(creators.userId, memberships.creatorId))
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(by.subscriptionId ? eq(memberships.stripeSubscriptionId, by.subscriptionId) : eq(memberships.id, by.membershipId ?? ""))
    .limit(1);
  return row ?? null;
}

export async function invoiceForEmail(env: Env, invoiceId: string) {
  return (await getDb(env).query.invoices.findFirst({ where: eq(invoices.id, invoiceId) })) ?? null;
}

/** A creator with the address their alerts go to and whether they want member alerts. */
export async function creatorForEmail(env: Env, creatorUserId: string) {
  const [row] = await getDb(env)
    .select({
      userId: creators.userId,
      displayName: creators.displayName,
      handle: creators.handle,
      email: users.email,
      memberAlerts: emailPreferences.memberAlerts,
    })
    .from(creators)
    .innerJoin(users, eq(users.id, creators.userId))
    .leftJoin(emailPreferences, eq(emailPreferences.userId, creators.userId))
    .where(eq(creators.userId, creatorUserId))
    .limit(1);
  return row ? { ...row, memberAlerts: row.memberAlerts ?? true } : null;
}

export async function creatorIdOfAccount(env: Env, stripeAccountId: string) {
  const row = await getDb(env).query.payoutAccounts.findFirst({
    where: eq(payoutAccounts.stripeAccountId, stripeAccountId),
    columns: { creatorId: true },
  });
  return row?.creatorId ?? null;
}

/** The paid order or invoice a payment (PaymentIntent) belongs to, for refund emails. */
export async function paymentForEmail(env: Env, paymentIntentId: string) {
  const db = getDb(env);
  const [order] = await db
    .select({ buyerId: orders.buyerId, creatorId: orders.creatorId, gross: orders.gross, currency: orders.currency, title: products.title })
    .from(orders)
    .innerJoin(products, eq(products.id, orders.productId))
    .where(eq(orders.paymentIntentId, paymentIntentId))
    .limit(1);
  if (order) return order;
  const [inv] = await db
    .select({
      buyerId: invoices.userId,
      creatorId: invoices.creatorId,
      gross: invoices.gross,
      currency: invoices.currency,
      title: tiers.name,
    })
    .from(invoices)
    .innerJoin(tiers, eq(tiers.id, invoices.tierId))
    .where(eq(invoices.paymentIntentId, paymentIntentId))
    .limit(1);
  return inv ? { ...inv, title: `${inv.title} membership` } : null;
}

export async function userEmail(env: Env, userId: string) {
  const row = await getDb(env).query.users.findFirst({ where: eq(users.id, userId), columns: { email: true } });
  return row?.email ?? null;
}

export async function claimState(env: Env, key: string) {
  const row = await getDb(env).query.emailSends.findFirst({ where: eq(emailSends.key, key), columns: { status: true } });
  return row?.status ?? null;
}

/** Claims an idempotency key; false when someone already did (check `claimState`). */
export async function claimKey(env: Env, key: string, userId: string | null, kind: string) {
  const rows = await getDb(env)
    .insert(emailSends)
    .values({ key, userId, kind, status: "sending", createdAt: nowSeconds() })
    .onConflictDoNothing()
    .returning({ key: emailSends.key });
  return rows.length > 0;
}

export async function finishClaim(env: Env, key: string, result: { ok: true; id: string } | { ok: false }) {
  await getDb(env)
    .update(emailSends)
    .set(result.ok ? { status: "sent", providerId: result.id, sentAt: nowSeconds() } : { status: "skipped" })
    .where(eq(emailSends.key, key));
}

export async function optedOutOfCreator(env: Env, userId: string, creatorId: string) {
  const row = await getDb(env).query.creatorEmailOptouts.findFirst({
    where: and(eq(creatorEmailOptouts.userId, userId), eq(creatorEmailOptouts.creatorId, creatorId)),
  });
  return !!row;
}

export async function addCreatorOptout(env: Env, userId: string, creatorId: string) {
  await getDb(env).insert(creatorEmailOptouts).values({ userId, creatorId, createdAt: nowSeconds() }).onConflictDoNothing();
}

export async function tierMessageForEmail(env: Env, messageId: string) {
  const [row] = await getDb(env)
    .select({ message: tierMessages, tierName: tiers.name, creatorName: creators.displayName })
    .from(tierMessages)
    .innerJoin(tiers, eq(tiers.id, tierMessages.tierId))
    .innerJoin(creators, eq(creators.userId, tierMessages.creatorId))
    .where(eq(tierMessages.id, messageId))
    .limit(1);
  return row ?? null;
}

/** Live members of a tier (not paused ones excluded: a message is not gated content), by keyset. */
export async function liveTierMemberIds(env: Env, tierId: string) {
  const rows = await getDb(env)
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.tierId, tierId), inArray(memberships.status, ["active", "trialing", "past_due"])));
  return [...new Set(rows.map((r) => r.userId))];
}

/**
 * Records a tier message unless `limit` were already sent for the tier since `since`: one
 * statement (D1's single writer), so two sends at once can't both slip under the limit.
 */
export async function insertTierMessageWithinLimit(env: Env, row: typeof tierMessages.$inferInsert, since: number, limit: number) {
  const res = await env.DB.prepare(
    `INSERT INTO tier_messages (id, tier_id, creator_id, subject, body_markdown, recipients, created_at)
     SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM tier_messages WHERE tier_id = ? AND created_at >= ?) < ?`,
  )
    .bind(row.id, row.tierId, row.creatorId, row.subject, row.bodyMarkdown, row.recipients ?? 0, row.createdAt, row.tierId, since, limit)
    .run();
  return (res.meta.changes ?? 0) > 0;
}

export async function recentTierMessages(env: Env, tierId: string, since: number) {
  const [row] = await getDb(env)
    .select({ n: sql<number>`count(*)` })
    .from(tierMessages)
    .where(and(eq(tierMessages.tierId, tierId), gte(tierMessages.createdAt, since)));
  return Number(row?.n ?? 0);
}

export async function insertTierMessage(env: Env, row: typeof tierMessages.$inferInsert) {
  await getDb(env).insert(tierMessages).values(row);
}

// ── the maker's feedback digest (decision 120): read here, where the email is rendered ──────────

/** One batch: the maker (address, state, digest preference) and their new items with their apps. */
export async function digestContents(env: Env, makerId: string, since: number, until: number) {
  const db = getDb(env);
  const [maker, items] = await db.batch([
    db
      .select({
        email: users.email,
        verified: sql<boolean>`${users.emailVerifiedAt} IS NOT NULL`,
        gone: sql<boolean>`${users.suspendedAt} IS NOT NULL OR ${users.deletedAt} IS NOT NULL`,
        digest: sql<number>`coalesce(${emailPreferences.feedbackDigest}, 1)`,
        displayName: creators.displayName,
      })
      .from(users)
      .leftJoin(emailPreferences, eq(emailPreferences.userId, users.id))
      .leftJoin(creators, eq(creators.userId, users.id))
      .where(eq(users.id, makerId)),
    db
      .select({
        id: feedbackItems.id,
        kind: feedbackItems.kind,
        title: feedbackItems.title,
        createdAt: feedbackItems.createdAt,
        appName: apps.name,
        appSlug: apps.slug,
      })
      .from(feedbackItems)
      .innerJoin(users, eq(users.id, feedbackItems.authorId))
      .innerJoin(apps, eq(apps.id, feedbackItems.appId))
      .where(and(eq(feedbackItems.makerId, makerId), eq(apps.creatorId, makerId), newFeedbackWhere(since, until)))
      .orderBy(asc(apps.name), asc(feedbackItems.createdAt), asc(feedbackItems.id))
      .limit(101),
  ]);
  return { maker: maker[0] ?? null, items };
}
