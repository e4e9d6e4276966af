/**
 * The one retry backoff of the app (queue consumers): `first` seconds after the first failed
 * attempt, doubling with each attempt, never more than `max` seconds.
 */
export function backoffSeconds(attempts: number, { first = 10, max = 600 }: { first?: number; max?: number } = {}): number {
  return Math.min(max, first * 2 ** Math.max(0, attempts - 1));
}
