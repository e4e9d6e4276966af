/**
 * Booking storm for `npm run bench:services` (local only): `holds` concurrent hold requests against
 * ONE creator's CreatorCalendar object, spread over `slots` slots (so each slot is contended by
 * holds/slots requests). Returns holds/s and the winners per slot — which must be exactly 1 each.
 */
import { notFound } from "~/lib/errors";
import { newId } from "~/lib/ids";
import { bareRange, calendar } from "~/modules/services/calendar.server";

export async function calendarStorm(env: Env, input: unknown) {
  if (env.APP_ENV !== "development") throw notFound("Not found");
  const o = (input ?? {}) as { holds?: number; slots?: number };
  const holds = Math.min(Math.max(Number(o.holds) || 500, 1), 5000);
  const slots = Math.min(Math.max(Number(o.slots) || 1, 1), holds);
  const cal = calendar(env, `bench-${newId(10)}`);
  const base = Date.now() + 86_400_000;
  const expires = Math.floor(Date.now() / 1000) + 600;
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: holds }, (_, i) => {
      const slot = i % slots;
      const start = base + slot * 3600_000;
      return cal.hold(`h${i}`, bareRange(start, start + 30 * 60_000), expires).then((r) => ({ slot, ok: r.ok }));
    }),
  );
  const ms = performance.now() - t0;
  const winners = Array.from({ length: slots }, (_, s) => results.filter((r) => r.slot === s && r.ok).length);
  return { holds, slots, ms, holdsPerSecond: holds / (ms / 1000), winners, exactlyOnePerSlot: winners.every((w) => w === 1) };
}
