import * as v from "valibot";
import { CURRENCIES } from "~/lib/money";

const optionalText = (max: number, msg: string) => v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, msg)), "");

export const TierInput = v.object({
  name: v.pipe(v.string("Name the tier."), v.trim(), v.nonEmpty("Name the tier."), v.maxLength(60, "Keep the name under 60 characters.")),
  description: optionalText(2000, "Keep the description under 2,000 characters."),
  /** One benefit per line. */
  benefits: optionalText(2000, "Keep the benefits under 2,000 characters."),
  pricing: v.picklist(["free", "fixed", "pwyw"], "Choose how members pay."),
  currency: v.picklist(CURRENCIES, "Choose a currency."),
  monthly: optionalText(20, "That price is too long."),
  annual: optionalText(20, "That price is too long."),
  minimum: optionalText(20, "That price is too long."),
  maxSubscribers: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.transform((s) => (s === "" ? null : Number(s))),
      v.nullable(
        v.pipe(
          v.number("Enter a whole number of seats."),
          v.integer("Enter a whole number of seats."),
          v.minValue(1, "A cap needs at least 1 seat."),
          v.maxValue(100_000, "Caps go up to 100,000 seats."),
        ),
      ),
    ),
    "",
  ),
});

export const SubscribeInput = v.object({
  interval: v.optional(v.picklist(["month", "year"], "Choose monthly or annual."), "month"),
  amount: v.optional(v.pipe(v.string(), v.trim()), ""),
});
