/**
 * THE place that decides who may read gated content. Every output — post pages, loader data,
 * feed, RSS, email, meta tags, storefront lists — asks this module; none decides on its own.
 *
 * Rules (see docs/posts-feed-email.md):
 *  - The creator always reads their own posts. Admins get no special reading rights.
 *  - public    → everyone.
 *  - followers → people who follow the creator, and anyone with a live membership (free or paid).
 *  - paid      → anyone with a live PAID membership (any paid tier) of the creator.
 *  - tiers     → a live membership of one of the listed tiers (free tiers count when listed).
 *  - product   → people who bought the product (an order with status "paid"; refunds revoke).
 *  "Live" = membership status active, trialing or past_due (Stripe is still retrying the card),
 *  the statuses that hold a tier seat, AND not paused: a membership is paused while
 *  a payment of its subscription is disputed (open, or lost — a lost dispute also ends it). A won
 *  dispute puts the invoice back to paid, so the pause lifts by itself (D28). A cancel-at-period-end
 *  membership stays active until the period ends.
 *
 * The facts (follows, subscriptions, purchases) are loaded in bulk by `loadAccess` with one query
 * per kind, then `decide` is a pure function — so lists of 50 feed items cost 3 queries, not 150.
 */
import { and, eq, inArray, not, sql, type Column, type Placeholder, type SQL, type SQLWrapper } from "drizzle-orm";
import { getDb, type Db } from "~/lib/db.server";
import { qualified } from "~/lib/sql";
import { follows } from "~/modules/follows/schema";
import { invoices, memberships, orders } from "~/modules/payments/schema";
import type { Visibility } from "~/modules/posts/schema";

export type Gate = { creatorId: string; visibility: Visibility; tierIds: string[]; productId: string | null };

export type ViewerAccess = {
  viewerId: string | null;
  /** Creators the viewer follows (among those asked about). */
  follows: Set<string>;
  /** creatorId → tier ids of the viewer's live memberships (free or paid). */
  tiers: Map<string, Set<string>>;
  /** Creators the viewer has a live PAID membership with. */
  paid: Set<string>;
  /** Products the viewer bought (among those asked about). */
  purchased: Set<string>;
};

/** What a reader without access is asked to do. */
export type Need = "sign_in" | "follow" | "subscribe" | "buy";
export type Decision = { allowed: true; need: null } | { allowed: false; need: Need };

const ALLOW: Decision = { allowed: true, need: null };
const deny = (need: Need): Decision => ({ allowed: false, need });

/** Pure decision: may this viewer read past the preview? */
export function decide(access: ViewerAccess, gate: Gate): Decision {
  if (gate.visibility === "public") return ALLOW;
  const viewerId = access.viewerId;
  if (viewerId && viewerId === gate.creatorId) return ALLOW;
  const activeTiers = access.tiers.get(gate.creatorId);
  const member = !!activeTiers && activeTiers.size > 0;
  switch (gate.visibility) {
    case "followers":
      if (access.follows.has(gate.creatorId) || member) return ALLOW;
      return deny(viewerId ? "follow" : "sign_in");
    case "paid":
      return access.paid.has(gate.creatorId) ? ALLOW : deny("subscribe");
    case "tiers":
      return activeTiers && gate.tierIds.some((t) => activeTiers.has(t)) ? ALLOW : deny("subscribe");
    case "product":
      return gate.productId && access.purchased.has(gate.productId) ? ALLOW : deny("buy");
  }
}

const NOBODY = (viewerId: string | null = null): ViewerAccess => ({
  viewerId,
  follows: new Set(),
  tiers: new Map(),
  paid: new Set(),
  purchased: new Set(),
});

/** Loads everything `decide` needs for one viewer and a set of gates, in at most three queries. */
export async function loadAccess(env: Env, viewerId: string | null, gates: Gate[]): Promise<ViewerAccess> {
  const access = NOBODY(viewerId);
  if (!viewerId) return access;
  const gated = gates.filter((g) => g.visibility !== "public" && g.creatorId !== viewerId);
  if (!gated.length) return access;
  const creatorIds = [...new Set(gated.map((g) => g.creatorId))];
  const needFollows = [...new Set(gated.filter((g) => g.visibility === "followers").map((g) => g.creatorId))];
  const productIds = [...new Set(gated.filter((g) => g.visibility === "product" && g.productId).map((g) => g.productId!))];
  // One D1 round trip for all three kinds of fact.
  const db = getDb(env);
  const [followRows, memberRows, orderRows] = await db.batch([
    followsQuery(db, viewerId, needFollows),
    membershipsQuery(db, viewerId, creatorIds),
    purchasesQuery(db, viewerId, productIds),
  ]);
  const follows = new Set(followRows.map((r) => r.id));
  const { tiers, paid } = foldMemberships(memberRows);
  const purchased = new Set(orderRows.map((r) => r.id));
  return { viewerId, follows, tiers, paid, purchased };
}

/** Convenience for one item. */
export async function canView(env: Env, viewerId: string | null, gate: Gate): Promise<Decision> {
  return decide(await loadAccess(env, viewerId, [gate]), gate);
}

/** A decider for many items at once (feed pages, RSS, storefront lists). */
export async function decider(env: Env, viewerId: string | null, gates: Gate[]) {
  const access = await loadAccess(env, viewerId, gates);
  return (gate: Gate) => decide(access, gate);
}

// ── One function per kind of fact. These are the only places that read follows / subscriptions /
// orders for gating. ─────────────────────────────────────────────────────────────────────────────

const NONE = "\u0000none"; // an id that matches nothing, so empty lists still make a valid query

/** Id lists, or a subquery yielding them (so the facts can ride in the same D1 batch as the items). */
type Ids = string[] | SQLWrapper;
const ids = (x: Ids) => (Array.isArray(x) ? (x.length ? x : [NONE]) : x);

type ViewerRef = string | Placeholder | SQL;

const followsQuery = (db: Db, viewerId: ViewerRef, creatorIds: Ids) =>
  db
    .select({ id: follows.creatorId })
    .from(follows)
    .where(and(eq(follows.followerId, viewerId), inArray(follows.creatorId, ids(creatorIds))));

const membershipsQuery = (db: Db, viewerId: ViewerRef, creatorIds: Ids) =>
  db
    .select({
      creatorId: memberships.creatorId,
      tierId: memberships.tierId,
      subscription: memberships.stripeSubscriptionId,
      amount: memberships.amount,
    })
    .from(memberships)
    .where(
      and(
        eq(memberships.userId, viewerId),
        inArray(memberships.creatorId, ids(creatorIds)),
        inArray(memberships.status, LIVE_MEMBERSHIP_STATUSES),
        not(membershipPaused),
      ),
    );

const purchasesQuery = (db: Db, viewerId: ViewerRef, productIds: Ids) =>
  db
    .select({ id: orders.productId })
    .from(orders)
    .where(and(eq(orders.buyerId, viewerId), inArray(orders.productId, ids(productIds)), eq(orders.status, "paid")));

/**
 * The three fact queries for `viewerId` as batchable statements, for callers that already run a
 * batch (the feed): creators and products may be subqueries over the items being listed. Feed the
 * results to `accessFromFacts`.
 */
export function accessQueries(db: Db, viewerId: ViewerRef, creatorIds: Ids, productIds: Ids) {
  return [
    followsQuery(db, viewerId, creatorIds),
    membershipsQuery(db, viewerId, creatorIds),
    purchasesQuery(db, viewerId, productIds),
  ] as const;
}

export function accessFromFacts(
  viewerId: string,
  [followRows, memberRows, orderRows]: [{ id: string }[], Parameters<typeof foldMemberships>[0], { id: string }[]],
): ViewerAccess {
  return {
    viewerId,
    follows: new Set(followRows.map((r) => r.id)),
    ...foldMemberships(memberRows),
    purchased: new Set(orderRows.map((r) => r.id)),
  };
}

function foldMemberships(rows: { creatorId: string; tierId: string; subscription: string | null; amount: number }[]) {
  const tiers = new Map<string, Set<string>>();
  const paid = new Set<string>();
  for (const r of rows) {
    if (!tiers.has(r.creatorId)) tiers.set(r.creatorId, new Set());
    tiers.get(r.creatorId)!.add(r.tierId);
    if (r.subscription || r.amount > 0) paid.add(r.creatorId);
  }
  return { tiers, paid };
}

/**
 * `decide`'s rules as an SQL condition on a gated post's row, for one signed-in reader: true exactly
 * when `decide` would allow it. For searches that must find the readable posts among any number of
 * gated matches (member search, D83): filtering in SQL keeps every unreadable post out before
 * ranking, paging or counting, with no bound on how many are looked at. Callers still pass each
 * row through `decide` (fail closed if the two ever disagreed); the gating tests check both for
 * every viewer kind. `post` names the outer row's columns (qualified, so correlated subqueries
 * compare with the outer row, not themselves).
 */
export function readableGatedPost(
  viewerId: string,
  post: { creatorId: Column; visibility: Column; tierIds: Column; productId: Column },
): SQL {
  const creator = qualified(post.creatorId);
  const visibility = qualified(post.visibility);
  const liveMembership = (extra: SQL) =>
    sql`exists (select 1 from ${memberships} where ${qualified(memberships.userId)} = ${viewerId} and ${qualified(memberships.creatorId)} = ${creator} and ${qualified(memberships.status)} in (${sql.join(
      LIVE_MEMBERSHIP_STATUSES.map((x) => sql`${x}`),
      sql`, `,
    )}) and not ${membershipPaused} and ${extra})`;
  return sql`(${creator} = ${viewerId}
    or (${visibility} = 'followers' and (exists (select 1 from ${follows} where ${qualified(follows.followerId)} = ${viewerId} and ${qualified(follows.creatorId)} = ${creator}) or ${liveMembership(sql`1`)}))
    or (${visibility} = 'paid' and ${liveMembership(sql`(${qualified(memberships.stripeSubscriptionId)} is not null or ${qualified(memberships.amount)} > 0)`)})
    or (${visibility} = 'tiers' and ${liveMembership(sql`${qualified(memberships.tierId)} in (select value from json_each(${qualified(post.tierIds)}))`)})
    or (${visibility} = 'product' and exists (select 1 from ${orders} where ${qualified(orders.buyerId)} = ${viewerId} and ${qualified(orders.productId)} = ${qualified(post.productId)} and ${qualified(orders.status)} = 'paid')))`;
}

/** Which of `creatorIds` the viewer follows. */
export async function followedAmong(env: Env, viewerId: string, creatorIds: string[]): Promise<Set<string>> {
  const rows = await followsQuery(getDb(env), viewerId, creatorIds);
  return new Set(rows.map((r) => r.id));
}

export async function isFollower(env: Env, viewerId: string, creatorId: string): Promise<boolean> {
  return (await followedAmong(env, viewerId, [creatorId])).has(creatorId);
}

export const LIVE_MEMBERSHIP_STATUSES = ["active", "trialing", "past_due"];

/**
 * THE definition of a paused membership, for any query that selects from `memberships`: one of its
 * subscription's invoices is `disputed` (payments/events.server.ts keeps that status in step with
 * the dispute, in any event order). Free memberships have no invoices and are never paused. The
 * literal (not a bound parameter) lets SQLite use the partial index `invoices_disputed_sub_idx`.
 * /library, the tier page and the creator dashboard select it to say "paused — payment disputed".
 */
export const membershipPaused =
  sql<boolean>`exists (select 1 from ${invoices} where ${qualified(invoices.stripeSubscriptionId)} = ${qualified(memberships.stripeSubscriptionId)} and ${qualified(invoices.status)} = 'disputed')`.mapWith(
    Boolean,
  );

/** How /library and the dashboard show a membership's state: a paused live membership says why. */
export function membershipState(status: string, paused: boolean): { status: string; label: string } {
  if (paused && LIVE_MEMBERSHIP_STATUSES.includes(status)) return { status: "paused", label: "paused — payment disputed" };
  return { status, label: status.replace("_", " ") };
}

/** The viewer's live memberships with these creators: tier ids per creator, and who they pay. */
export async function liveMemberships(
  env: Env,
  viewerId: string,
  creatorIds: string[],
): Promise<{ tiers: Map<string, Set<string>>; paid: Set<string> }> {
  return foldMemberships(await membershipsQuery(getDb(env), viewerId, creatorIds));
}

/** Has a live membership with the creator — paid only unless `tierIds` are given (then any of them). */
export async function hasActiveSubscription(env: Env, viewerId: string, creatorId: string, tierIds?: string[]): Promise<boolean> {
  const { tiers, paid } = await liveMemberships(env, viewerId, [creatorId]);
  if (!tierIds) return paid.has(creatorId);
  const mine = tiers.get(creatorId);
  return !!mine && tierIds.some((t) => mine.has(t));
}

/** Which of `productIds` the viewer has bought. */
export async function purchasedAmong(env: Env, viewerId: string, productIds: string[]): Promise<Set<string>> {
  return new Set((await purchasesQuery(getDb(env), viewerId, productIds)).map((r) => r.id));
}

export async function hasPurchased(env: Env, viewerId: string, productId: string): Promise<boolean> {
  return (await purchasedAmong(env, viewerId, [productId])).has(productId);
}
