/**
 * THE place that decides who may read gated content. Every output — post pages, loader data,
 * feed, RSS, email, meta tags, storefront lists — asks this module; none decides on its own.
 *
 * Rules (see docs/issue-5-notes.md):
 *  - The creator always reads their own posts. Admins get no special reading rights.
 *  - public    → everyone.
 *  - followers → people who follow the creator, and anyone with an active paid subscription to them.
 *  - paid      → anyone with an active paid subscription (any tier) to the creator.
 *  - tiers     → an active subscription to one of the listed tiers.
 *  - product   → people who bought the product (a paid order).
 *
 * The facts (follows, subscriptions, purchases) are loaded in bulk by `loadAccess` with one query
 * per kind, then `decide` is a pure function — so lists of 50 feed items cost 3 queries, not 150.
 */
import { and, eq, inArray } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { follows } from "~/modules/follows/schema";
import type { Visibility } from "~/modules/posts/schema";

export type Gate = { creatorId: string; visibility: Visibility; tierIds: string[]; productId: string | null };

export type ViewerAccess = {
  viewerId: string | null;
  /** Creators the viewer follows (among those asked about). */
  follows: Set<string>;
  /** creatorId → active tier ids the viewer pays for. */
  tiers: Map<string, Set<string>>;
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
  const paying = !!activeTiers && activeTiers.size > 0;
  switch (gate.visibility) {
    case "followers":
      if (access.follows.has(gate.creatorId) || paying) return ALLOW;
      return deny(viewerId ? "follow" : "sign_in");
    case "paid":
      return paying ? ALLOW : deny("subscribe");
    case "tiers":
      return activeTiers && gate.tierIds.some((t) => activeTiers.has(t)) ? ALLOW : deny("subscribe");
    case "product":
      return gate.productId && access.purchased.has(gate.productId) ? ALLOW : deny("buy");
  }
}

const NOBODY = (viewerId: string | null = null): ViewerAccess => ({ viewerId, follows: new Set(), tiers: new Map(), purchased: new Set() });

/** Loads everything `decide` needs for one viewer and a set of gates, in at most three queries. */
export async function loadAccess(env: Env, viewerId: string | null, gates: Gate[]): Promise<ViewerAccess> {
  const access = NOBODY(viewerId);
  if (!viewerId) return access;
  const gated = gates.filter((g) => g.visibility !== "public" && g.creatorId !== viewerId);
  if (!gated.length) return access;
  const creatorIds = [...new Set(gated.map((g) => g.creatorId))];
  const needFollows = [...new Set(gated.filter((g) => g.visibility === "followers").map((g) => g.creatorId))];
  const productIds = [...new Set(gated.filter((g) => g.visibility === "product" && g.productId).map((g) => g.productId!))];
  const [follows, tiers, purchased] = await Promise.all([
    needFollows.length ? followedAmong(env, viewerId, needFollows) : new Set<string>(),
    activeTiersByCreator(env, viewerId, creatorIds),
    productIds.length ? purchasedAmong(env, viewerId, productIds) : new Set<string>(),
  ]);
  return { viewerId, follows, tiers, purchased };
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

/** Which of `creatorIds` the viewer follows. */
export async function followedAmong(env: Env, viewerId: string, creatorIds: string[]): Promise<Set<string>> {
  const rows = await getDb(env)
    .select({ id: follows.creatorId })
    .from(follows)
    .where(and(eq(follows.followerId, viewerId), inArray(follows.creatorId, creatorIds)));
  return new Set(rows.map((r) => r.id));
}

export async function isFollower(env: Env, viewerId: string, creatorId: string): Promise<boolean> {
  return (await followedAmong(env, viewerId, [creatorId])).has(creatorId);
}

/** creatorId → tier ids of the viewer's active (paid, not ended) subscriptions to those creators. */
export async function activeTiersByCreator(env: Env, viewerId: string, creatorIds: string[]): Promise<Map<string, Set<string>>> {
  // Wired to the subscriptions table once issue 4 lands.
  void env; void viewerId; void creatorIds;
  return new Map();
}

export async function hasActiveSubscription(env: Env, viewerId: string, creatorId: string, tierIds?: string[]): Promise<boolean> {
  const tiers = (await activeTiersByCreator(env, viewerId, [creatorId])).get(creatorId);
  if (!tiers || tiers.size === 0) return false;
  return !tierIds || tierIds.some((t) => tiers.has(t));
}

/** Which of `productIds` the viewer has bought. */
export async function purchasedAmong(env: Env, viewerId: string, productIds: string[]): Promise<Set<string>> {
  // Wired to the orders table once issue 4 lands.
  void env; void viewerId; void productIds;
  return new Set();
}

export async function hasPurchased(env: Env, viewerId: string, productId: string): Promise<boolean> {
  return (await purchasedAmong(env, viewerId, [productId])).has(productId);
}
