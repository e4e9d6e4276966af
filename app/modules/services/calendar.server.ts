/** The app's door to the CreatorCalendar Durable Objects (workers/durable-objects/creator-calendar.ts). */
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import type { CalendarRange, ConfirmResult, HoldResult } from "../../../workers/durable-objects/creator-calendar";
import { availability } from "./schema";
import { blockedRange, slotDay, type AvailabilityRules } from "./slots";
export type { CalendarRange, ConfirmResult, HoldResult };

/** One calendar per creator (they are one person: every service of theirs shares it). */
export function calendar(env: Env, creatorId: string) {
  return env.CREATOR_CALENDAR.getByName(creatorId);
}

/** A creator's availability rules, or null when they haven't set any (no calendar services can be booked). */
export async function availabilityRules(env: Env, creatorId: string): Promise<AvailabilityRules | null> {
  const row = await getDb(env).query.availability.findFirst({ where: eq(availability.creatorId, creatorId) });
  return row ? rulesOf(row) : null;
}

/** The slot rules of an availability row. */
export function rulesOf(row: typeof availability.$inferSelect): AvailabilityRules {
  return {
    timeZone: row.timeZone,
    weekly: row.weekly,
    overrides: row.overrides,
    minNoticeMinutes: row.minNoticeMinutes,
    horizonDays: row.horizonDays,
    bufferBeforeMinutes: row.bufferBeforeMinutes,
    bufferAfterMinutes: row.bufferAfterMinutes,
    dailyMax: row.dailyMax,
    changeWindowHours: row.changeWindowHours,
  };
}

/** What a booking of [start, end) takes on the calendar under these rules. */
export function rangeFor(rules: AvailabilityRules, start: number, end: number): CalendarRange {
  const b = blockedRange({ start, end }, rules);
  return { start, end, blockStart: b.start, blockEnd: b.end, day: slotDay(start, rules.timeZone), dailyMax: rules.dailyMax };
}

/**
 * A booking's range when no rules are at hand (the creator removed their availability since): its
 * own times, no buffers, no daily maximum.
 */
export function bareRange(start: number, end: number): CalendarRange {
  return { start, end, blockStart: start, blockEnd: end, day: new Date(start).toISOString().slice(0, 10), dailyMax: null };
}
