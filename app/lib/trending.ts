/**
 * Trending, as documented in docs/apps-follows-discovery.md:
 *
 *   trending(app, now) = Σ over signals s of weight(s) · 2^(−(now − t_s) / 72 h)
 *
 * Signals (all "one per person"): a unique page view per visitor per day (1), a unique try-click per
 * visitor per day (3), a follow of the app's creator (5 — taken back exactly if they unfollow) and
 * the app being published (10, so a new app can be found before anyone has seen it).
 * Nothing paid — and not `featured` — enters the formula.
 *
 * Stored incrementally: instead of decaying every score over time, each signal adds
 * weight · 2^((t_s − EPOCH) / HALF_LIFE) to `apps.trending_score`. Dividing every score by the same
 * 2^((now − EPOCH) / HALF_LIFE) gives the formula above, so ORDER BY trending_score is exactly the
 * decayed ranking, with no background job. Doubles hold 2^1023, i.e. ~8 years after EPOCH at a
 * 3-day half-life; before then, multiply all scores by 2^−k and move EPOCH forward by k half-lives.
 */
export const TRENDING_EPOCH = Date.UTC(2026, 0, 1) / 1000;
export const HALF_LIFE_SECONDS = 72 * 3600;
export const SIGNAL_WEIGHTS = { view: 1, try: 3, follow: 5, publish: 10 } as const;

export function trendingIncrement(weight: number, atSeconds: number): number {
  return weight * 2 ** ((atSeconds - TRENDING_EPOCH) / HALF_LIFE_SECONDS);
}

/** The score as the formula defines it at `now` (for display and tests). */
export function decayedTrending(stored: number, nowSeconds: number): number {
  return stored * 2 ** (-(nowSeconds - TRENDING_EPOCH) / HALF_LIFE_SECONDS);
}
