import * as v from "valibot";

export const RANGES = ["7d", "30d", "90d", "12m", "custom"] as const;
export type RangeName = (typeof RANGES)[number];
const DayKey = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "Dates look like 2026-03-01."));

export const RangeQuery = v.object({
  range: v.optional(v.picklist(RANGES, "Pick 7 days, 30 days, 90 days, 12 months or custom."), "30d"),
  from: v.optional(DayKey),
  to: v.optional(DayKey),
});

export const TABLE_NAMES = ["traffic", "pages", "apps", "sources", "audience", "tiers", "money", "offerings", "mrr", "cohorts"] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export const TimeZoneForm = v.object({ timeZone: v.pipe(v.string(), v.trim(), v.minLength(1, "Choose a time zone."), v.maxLength(64)) });

/** The creator NPS form: an answer (score 0–10, optional comment) or "not now". */
export const NpsForm = v.variant("intent", [
  v.object({
    intent: v.literal("answer"),
    score: v.pipe(
      v.string("Pick a score from 0 to 10."),
      v.regex(/^(?:[0-9]|10)$/, "Pick a score from 0 to 10."),
      v.transform((s) => Number(s)),
    ),
    comment: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(1000, "Keep the comment under 1,000 characters.")), ""),
  }),
  v.object({ intent: v.literal("dismiss") }),
]);
