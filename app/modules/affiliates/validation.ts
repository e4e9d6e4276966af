import * as v from "valibot";

const wholeNumber = (label: string, min: number, max: number) =>
  v.pipe(
    v.string(`Enter ${label}.`),
    v.trim(),
    v.regex(/^\d{1,4}$/, `Enter ${label} as a whole number from ${min} to ${max}.`),
    v.transform(Number),
    v.minValue(min, `Enter ${label} from ${min} to ${max}.`),
    v.maxValue(max, `Enter ${label} from ${min} to ${max}.`),
  );

/** The dashboard's affiliate program form. `items` are "product:<id>" / "tier:<id>" / "service:<id>". */
export const ProgramInput = v.object({
  commissionPercent: wholeNumber("a commission", 1, 50),
  cookieDays: wholeNumber("a cookie window in days", 1, 365),
  recurringMonths: v.optional(wholeNumber("the months of recurring commission", 0, 36), "0"),
  items: v.optional(
    v.array(v.pipe(v.string(), v.regex(/^(product|tier|service):[A-Za-z0-9_-]{1,64}$/, "Choose offerings from the list."))),
    [],
  ),
});
export type ProgramInput = v.InferOutput<typeof ProgramInput>;

/** Affiliate and referral codes: 4–32 letters, digits or dashes, stored upper-case. */
export const AFFILIATE_CODE = /^[A-Z0-9-]{4,32}$/;
export const normaliseAffiliateCode = (raw: string) => raw.trim().toUpperCase();
