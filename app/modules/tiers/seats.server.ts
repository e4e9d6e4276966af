/** The app's door to the TierSeats Durable Objects (workers/durable-objects/tier-seats.ts). */
export type { ReserveResult, ConfirmResult, SeatStatus } from "../../../workers/durable-objects/tier-seats";

/** One object per tier, addressed by the tier id. */
export function seats(env: Env, tierId: string) {
  return env.TIER_SEATS.getByName(tierId);
}
