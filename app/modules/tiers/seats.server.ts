/** The app's door to the TierSeats Durable Objects (workers/durable-objects/tier-seats.ts). */
import type { ReserveResult, ConfirmResult, SeatStatus } from "../../../workers/durable-objects/tier-seats";
export type { ReserveResult, ConfirmResult, SeatStatus };

/** One object per tier, addressed by the tier id. */
export function seats(env: Env, tierId: string) {
  return env.TIER_SEATS.getByName(tierId);
}

/**
 * Seats left are shown on the (edge-cached) storefront, so any seat change bumps the creator's
 * storefront version — the cache key — in one statement.
 */
export async function markSeatsChanged(env: Env, tierId: string): Promise<void> {
  await env.DB.prepare("UPDATE creators SET version = version + 1 WHERE user_id = (SELECT creator_id FROM tiers WHERE id = ?)")
    .bind(tierId)
    .run();
}
