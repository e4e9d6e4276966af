import * as v from "valibot";
import { CURRENCIES } from "~/lib/money";

/** What buyers type: 3–32 letters, digits, dashes or underscores; case doesn't matter. */
export const CODE_PATTERN = /^[A-Z0-9_-]{3,32}$/;

export const normaliseCode = (raw: string) => raw.trim().toUpperCase();

const checkbox = v.optional(
  v.pipe(
    v.unknown(),
    v.transform((x) => x === "on" || x === "true" || x === true || x === "1"),
  ),
  false,
);

/** The dashboard's "new discount code" form. */
export const DiscountCodeInput = v.object({
  code: v.pipe(
    v.string("Enter a code."),
    v.transform(normaliseCode),
    v.regex(CODE_PATTERN, "Use 3–32 letters, digits, dashes or underscores (no spaces)."),
  ),
  kind: v.picklist(["percent", "amount"], "Choose percent off or an amount off."),
  /** "20" (percent) or "5.00" (an amount in `currency`). */
  value: v.pipe(v.string("Enter how much it takes off."), v.trim(), v.minLength(1, "Enter how much it takes off.")),
  currency: v.optional(v.picklist(CURRENCIES, "Choose a currency."), "usd"),
  /** "all" or the chosen product ids. */
  appliesTo: v.optional(v.picklist(["all", "chosen"], "Choose which products it's for."), "all"),
  productIds: v.optional(v.array(v.string()), []),
  /** YYYY-MM-DD: the code works until the end of that day (UTC). Empty = no expiry. */
  expires: v.optional(v.union([v.literal(""), v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "Enter a date like 2027-01-31."))]), ""),
  /** Empty = unlimited. */
  maxRedemptions: v.optional(
    v.union([v.literal(""), v.pipe(v.string(), v.regex(/^[1-9]\d{0,6}$/, "Enter a whole number of at least 1, or leave it empty."))]),
    "",
  ),
  firstTimeOnly: checkbox,
  /** For memberships: the first payment only, N monthly payments, or every payment. */
  duration: v.optional(v.picklist(["once", "repeating", "forever"], "Choose how long it lasts for memberships."), "once"),
  durationMonths: v.optional(v.string(), ""),
});
export type DiscountCodeInput = v.InferOutput<typeof DiscountCodeInput>;
