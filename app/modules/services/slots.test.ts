import { describe, expect, it } from "vitest";
import { generateSlots, groupByDay, isOffered, type AvailabilityRules, type BusyRange } from "./slots";
import { isValidTimeZone, offsetAt, zonedToUtc } from "./zones";

const weekdays9to5 = [[], ...Array.from({ length: 5 }, () => [{ start: "09:00", end: "17:00" }]), []];

const ny = (over: Partial<AvailabilityRules> = {}): AvailabilityRules => ({
  timeZone: "America/New_York",
  weekly: weekdays9to5,
  overrides: [],
  minNoticeMinutes: 0,
  horizonDays: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  dailyMax: null,
  ...over,
});

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

/** The first slot offered on each visitor-local day, labelled in that visitor's zone. */
function firstByDay(rules: AvailabilityRules, now: string, visitor: string, duration = 30) {
  const days = groupByDay(generateSlots(rules, duration, { now: at(now) }), visitor, "en-GB");
  return Object.fromEntries(days.map((d) => [d.key, { first: d.slots[0].label, iso: d.slots[0].iso, count: d.slots.length }]));
}

describe("time zones with Intl", () => {
  it("knows IANA zones and their offsets on both sides of a switch", () => {
    expect(isValidTimeZone("Asia/Kolkata")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(offsetAt(at("2026-01-15T12:00:00Z"), "America/New_York")).toBe(-5 * 3600_000);
    expect(offsetAt(at("2026-07-15T12:00:00Z"), "America/New_York")).toBe(-4 * 3600_000);
    expect(offsetAt(at("2026-07-15T12:00:00Z"), "Asia/Kolkata")).toBe(5.5 * 3600_000);
    // 02:30 on the spring-forward Sunday never happens in New York; 01:30 on the fall-back Sunday happens twice (first kept).
    expect(zonedToUtc({ year: 2026, month: 3, day: 8 }, 150, "America/New_York")).toBeNull();
    expect(iso(zonedToUtc({ year: 2026, month: 11, day: 1 }, 90, "America/New_York")!)).toBe("2026-11-01T05:30:00.000Z");
  });
});

describe("slot generation: New York hours seen from Kolkata and London", () => {
  it("spring: the US switch (8 Mar) moves the slots an hour earlier in UTC; London's own switch (29 Mar) moves them back for Londoners", () => {
    const rules = ny();
    const kolkata = firstByDay(rules, "2026-02-28T00:00:00Z", "Asia/Kolkata");
    // Mon 2 Mar, 09:00 EST = 14:00 UTC = 19:30 IST; Mon 9 Mar, 09:00 EDT = 13:00 UTC = 18:30 IST.
    expect(kolkata["2026-03-02"]).toMatchObject({ first: "19:30", iso: "2026-03-02T14:00:00.000Z" });
    expect(kolkata["2026-03-09"]).toMatchObject({ first: "18:30", iso: "2026-03-09T13:00:00.000Z" });
    const london = firstByDay(rules, "2026-03-05T00:00:00Z", "Europe/London");
    expect(london["2026-03-06"]).toMatchObject({ first: "14:00", count: 16 });
    expect(london["2026-03-09"]).toMatchObject({ first: "13:00", count: 16 });
    // After 29 Mar London is on BST: 09:00 EDT = 13:00 UTC = 14:00 in London again.
    expect(london["2026-03-30"]).toMatchObject({ first: "14:00", iso: "2026-03-30T13:00:00.000Z" });
    // Friday afternoon in New York is early Saturday in Kolkata; nothing on Sunday there (Saturday in New York).
    expect(kolkata["2026-03-07"]).toMatchObject({ first: "0:00", count: 7 });
    expect(kolkata["2026-03-08"]).toBeUndefined();
  });

  it("autumn: London switches back (25 Oct) a week before New York (1 Nov)", () => {
    const rules = ny();
    const london = firstByDay(rules, "2026-10-15T00:00:00Z", "Europe/London");
    expect(london["2026-10-19"]).toMatchObject({ first: "14:00", iso: "2026-10-19T13:00:00.000Z" });
    expect(london["2026-10-26"]).toMatchObject({ first: "13:00", iso: "2026-10-26T13:00:00.000Z" });
    expect(london["2026-11-02"]).toMatchObject({ first: "14:00", iso: "2026-11-02T14:00:00.000Z" });
    const kolkata = firstByDay(rules, "2026-10-15T00:00:00Z", "Asia/Kolkata");
    expect(kolkata["2026-10-26"]).toMatchObject({ first: "18:30" });
    expect(kolkata["2026-11-02"]).toMatchObject({ first: "19:30" });
  });

  it("hours across the switch night itself: the short day has 3 h of slots, the long day 5 h", () => {
    const night = [{ start: "00:00", end: "04:00" }];
    const rules = ny({ weekly: [night, [], [], [], [], [], []] });
    const spring = generateSlots(rules, 30, { now: at("2026-03-07T00:00:00Z"), until: at("2026-03-09T00:00:00Z") });
    expect(spring.map((s) => iso(s.start))).toEqual([
      "2026-03-08T05:00:00.000Z",
      "2026-03-08T05:30:00.000Z",
      "2026-03-08T06:00:00.000Z",
      "2026-03-08T06:30:00.000Z",
      "2026-03-08T07:00:00.000Z", // 03:00 EDT: the clock jumped from 02:00
      "2026-03-08T07:30:00.000Z",
    ]);
    const autumn = generateSlots(rules, 30, { now: at("2026-10-31T00:00:00Z"), until: at("2026-11-02T00:00:00Z") });
    expect(autumn).toHaveLength(10);
    expect(iso(autumn[0].start)).toBe("2026-11-01T04:00:00.000Z");
    expect(iso(autumn[9].end)).toBe("2026-11-01T09:00:00.000Z");
  });
});

describe("slot generation rules", () => {
  const monday = "2026-12-07"; // a Monday, New York on EST
  it("overrides replace a day's hours; an empty override is a blackout day", () => {
    const rules = ny({
      overrides: [
        { date: monday, intervals: [{ start: "13:00", end: "14:00" }] },
        { date: "2026-12-08", intervals: [] },
      ],
    });
    const days = firstByDay(rules, "2026-12-06T12:00:00Z", "America/New_York");
    expect(days[monday]).toMatchObject({ first: "13:00", count: 2 });
    expect(days["2026-12-08"]).toBeUndefined();
    expect(days["2026-12-09"]).toMatchObject({ first: "9:00", count: 16 });
  });

  it("buffers keep a gap around busy ranges (both sides' buffers)", () => {
    const rules = ny({ bufferBeforeMinutes: 15, bufferAfterMinutes: 15 });
    // A booking 10:00–10:30 EST with its buffers blocks 09:45–10:45.
    const busy: BusyRange[] = [{ start: at("2026-12-07T14:45:00Z"), end: at("2026-12-07T15:45:00Z"), day: monday }];
    const slots = generateSlots(rules, 30, { now: at("2026-12-06T12:00:00Z"), busy, until: at("2026-12-07T17:00:00Z") });
    expect(slots.map((s) => iso(s.start))).toEqual([
      "2026-12-07T14:00:00.000Z", // 09:00–09:30 (+ buffers 08:45–09:45) touches but does not overlap
      "2026-12-07T16:00:00.000Z", // 11:00
      "2026-12-07T16:30:00.000Z",
      "2026-12-07T17:00:00.000Z",
    ]);
  });

  it("minimum notice, horizon and the daily maximum", () => {
    // Monday 08:00 EST with 2 h notice: the first slot is 10:00.
    const now = at("2026-12-07T13:00:00Z");
    expect(iso(generateSlots(ny({ minNoticeMinutes: 120 }), 30, { now })[0].start)).toBe("2026-12-07T15:00:00.000Z");
    // A 2-day horizon: nothing starts later than now + 48 h.
    const near = generateSlots(ny({ horizonDays: 2 }), 30, { now });
    expect(near.length).toBeGreaterThan(0);
    expect(Math.max(...near.map((s) => s.start))).toBeLessThanOrEqual(now + 2 * 86_400_000);
    expect(new Set(near.map((s) => iso(s.start).slice(0, 10)))).toEqual(new Set(["2026-12-07", "2026-12-08"])); // Wed 09:00 is past now + 48 h
    // Daily maximum 1: a day that has one booking offers nothing more; other days are untouched.
    const busy: BusyRange[] = [{ start: at("2026-12-07T20:00:00Z"), end: at("2026-12-07T20:30:00Z"), day: monday }];
    const capped = generateSlots(ny({ dailyMax: 1 }), 30, { now, busy, until: at("2026-12-09T05:00:00Z") });
    expect(capped.some((s) => iso(s.start).startsWith("2026-12-07"))).toBe(false);
    expect(capped.filter((s) => iso(s.start).startsWith("2026-12-08"))).toHaveLength(16);
    // Without the cap the same day still offers its other slots.
    expect(generateSlots(ny(), 30, { now, busy, until: at("2026-12-08T05:00:00Z") })).toHaveLength(15);
  });

  it("a booking request must name exactly an offered slot", () => {
    const now = at("2026-12-06T12:00:00Z");
    expect(isOffered(ny(), 30, at("2026-12-07T14:00:00Z"), now)).toBe(true);
    expect(isOffered(ny(), 30, at("2026-12-07T14:10:00Z"), now)).toBe(false); // not on the grid
    expect(isOffered(ny(), 30, at("2026-12-07T22:00:00Z"), now)).toBe(false); // 17:00: after hours
    expect(isOffered(ny(), 60, at("2026-12-07T21:30:00Z"), now)).toBe(false); // 16:30 + 60 min runs past 17:00
  });
});
