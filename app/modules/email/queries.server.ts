import { and, desc, eq, inArray, isNull, like } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { users } from "~/modules/identity/schema";
import { memberships } from "~/modules/payments/schema";
import { tiers } from "~/modules/tiers/schema";
import { devMailbox } from "./schema";

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
