/**
 * Creator payouts: Stripe Connect onboarding. One connected account per creator, created with
 * platform-controlled fees and losses (what destination charges need, Express-style dashboard).
 * Account links are single-use and short-lived, so one is created on every click.
 * `charges_enabled`/`payouts_enabled` come only from account.updated (or a re-read of the account).
 */
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { forbidden } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { getStripe, type Stripe } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { requireVerifiedEmail } from "~/modules/identity/verified.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { payoutAccounts } from "./schema";
import { creators } from "~/modules/storefronts/schema";
import { affiliates, commissions } from "~/modules/affiliates/schema";

export type OnboardingState = "not_started" | "pending" | "restricted" | "enabled";

export async function findPayoutAccount(env: Env, creatorId: string) {
  return getDb(env).query.payoutAccounts.findFirst({ where: eq(payoutAccounts.creatorId, creatorId) });
}

/** The onboarding state machine, as the dashboard shows it. */
export function onboardingState(
  acct: { chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean } | null | undefined,
): OnboardingState {
  if (!acct) return "not_started";
  if (acct.chargesEnabled && acct.payoutsEnabled) return "enabled";
  if (acct.chargesEnabled || acct.detailsSubmitted) return "restricted";
  return "pending";
}

/** True when buyers can pay this creator (their paid offerings are otherwise "coming soon"). */
export async function canSell(env: Env, creatorId: string): Promise<{ ok: boolean; accountId: string | null }> {
  const acct = await findPayoutAccount(env, creatorId);
  return { ok: !!acct?.chargesEnabled, accountId: acct?.stripeAccountId ?? null };
}

/**
 * Who may have a payout account: creators (they sell), and people who earn commissions without a
 * storefront — affiliates of a program and anyone a commission is owed to (decision 0130). The
 * account is keyed by the person's user id either way.
 */
async function payoutOwner(env: Env, viewer: Viewer): Promise<{ userId: string; name: string; handle: string | null }> {
  const creator = await findCreatorByUserId(env, viewer.id);
  if (creator) return { userId: creator.userId, name: creator.displayName, handle: creator.handle };
  const db = getDb(env);
  const [affiliate, owed] = await db.batch([
    db
      .select({ id: affiliates.id })
      .from(affiliates)
      .where(and(eq(affiliates.userId, viewer.id), eq(affiliates.status, "active")))
      .limit(1),
    db.select({ id: commissions.id }).from(commissions).where(eq(commissions.beneficiaryId, viewer.id)).limit(1),
  ]);
  if (!affiliate.length && !owed.length)
    throw forbidden("Open your storefront or join a creator's affiliate program first — then you can get paid.");
  return { userId: viewer.id, name: viewer.email, handle: null };
}

/** Where someone lands back from Stripe's onboarding: creators on their dashboard, earners on their affiliate page. */
export async function payoutHome(env: Env, viewer: Viewer): Promise<string> {
  return (await findCreatorByUserId(env, viewer.id)) ? "/dashboard" : "/dashboard/affiliate";
}

/** Creates the connected account once (idempotent per creator), then a fresh single-use link. */
export async function startOnboarding(env: Env, viewer: Viewer, origin: string): Promise<{ url: string }> {
  await requireVerifiedEmail(env, viewer); // D61: publishing and selling wait for a verified address
  const creator = await payoutOwner(env, viewer);
  const stripe = getStripe(env);
  let acct = await findPayoutAccount(env, creator.userId);
  if (!acct) {
    const account = await stripe.accounts.create(
      {
        country: "US",
        email: viewer.email,
        controller: {
          fees: { payer: "application" },
          losses: { payments: "application" },
          stripe_dashboard: { type: "express" },
        },
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        // Stripe refuses non-public URLs (localhost) for the business URL, so only send a real one.
        business_profile: {
          name: creator.name,
          ...(creator.handle && /^https:\/\/(?!localhost|127\.)/.test(origin) ? { url: `${origin}/@${creator.handle}` } : {}),
        },
        metadata: { creator_id: creator.userId, handle: creator.handle ?? "" },
      },
      { idempotencyKey: `connect-account-${creator.userId}` },
    );
    const t = nowSeconds();
    await getDb(env)
      .insert(payoutAccounts)
      .values({
        creatorId: creator.userId,
        stripeAccountId: account.id,
        chargesEnabled: account.charges_enabled,
        payoutsEnabled: account.payouts_enabled,
        detailsSubmitted: account.details_submitted,
        stateAt: account.created ?? t,
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoNothing();
    acct = (await findPayoutAccount(env, creator.userId))!;
  }
  const link = await stripe.accountLinks.create({
    account: acct.stripeAccountId,
    type: "account_onboarding",
    refresh_url: `${origin}/dashboard/payouts/refresh`,
    return_url: `${origin}/dashboard/payouts/return`,
  });
  return { url: link.url };
}

/**
 * Back from Stripe (return_url): re-read the account so the dashboard is right immediately, even
 * if account.updated hasn't arrived yet. The webhook remains the source of truth; both paths write
 * the same fields with the same "newer wins" rule.
 */
export async function refreshOnboarding(env: Env, viewer: Viewer) {
  const creator = await payoutOwner(env, viewer);
  const acct = await findPayoutAccount(env, creator.userId);
  if (!acct) return onboardingState(null);
  const account = await getStripe(env).accounts.retrieve(acct.stripeAccountId);
  await applyAccount(env, account, nowSeconds());
  return onboardingState(await findPayoutAccount(env, creator.userId));
}

/** Applies an account's state if it is at least as new as what we have. */
export async function applyAccount(env: Env, account: Stripe.Account, at: number) {
  const db = getDb(env);
  const row = await db.query.payoutAccounts.findFirst({ where: eq(payoutAccounts.stripeAccountId, account.id) });
  if (!row || at < row.stateAt) return false;
  await db
    .update(payoutAccounts)
    .set({
      chargesEnabled: !!account.charges_enabled,
      payoutsEnabled: !!account.payouts_enabled,
      detailsSubmitted: !!account.details_submitted,
      stateAt: at,
      updatedAt: nowSeconds(),
    })
    .where(eq(payoutAccounts.stripeAccountId, account.id));
  // "Coming soon" vs buyable shows on the cached storefront: bump its version.
  await db
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, row.creatorId));
  return true;
}

/** A login link to the creator's Express dashboard (payouts, bank details). */
export async function payoutDashboardLink(env: Env, viewer: Viewer) {
  const creator = await payoutOwner(env, viewer);
  const acct = await findPayoutAccount(env, creator.userId);
  if (!acct) throw forbidden("Set up payouts first.");
  const link = await getStripe(env).accounts.createLoginLink(acct.stripeAccountId);
  return { url: link.url };
}
