import * as v from "valibot";
import { unprocessable } from "~/lib/errors";
import { CURRENCIES, formatMoney, parseMoney, priceLimits } from "~/lib/money";
import { PRODUCT_PRICINGS, PRODUCT_TYPES, type ProductPricing } from "./schema";

export const Slug = v.pipe(
  v.string("Choose a web address."),
  v.trim(),
  v.toLowerCase(),
  v.nonEmpty("Choose a web address."),
  v.maxLength(60, "Keep the address under 60 characters."),
  v.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use lowercase letters, digits and single hyphens."),
);

export const Currency = v.picklist(CURRENCIES, "Choose a currency.");

/** "19.99" + currency → integer minor units within the limits. */
export const priceField = (raw: string, currency: string): { amount: number } | { error: string } => {
  const amount = parseMoney(raw ?? "", currency);
  if (amount === null) return { error: "Enter a price like 19 or 19.99." };
  const { min, max } = priceLimits(currency);
  if (amount < min) return { error: `The lowest price is ${formatMoney(min, currency)}.` };
  if (amount > max) return { error: `The highest price is ${formatMoney(max, currency)}.` };
  return { amount };
};

/**
 * The product's pricing in minor units, with the message a creator reads for each mistake:
 * fixed → the price; free → 0; pay what you want → the suggested price (shown first) and a minimum
 * that is 0 (free allowed) or at least the currency's lowest card price, never above the suggestion.
 */
export function pricingFields(
  pricing: ProductPricing,
  raw: { price?: string; minimum?: string },
  currency: string,
): { priceAmount: number; minimumAmount: number | null } {
  if (pricing === "free") return { priceAmount: 0, minimumAmount: null };
  const price = priceField(raw.price ?? "", currency);
  if (pricing === "fixed") {
    if ("error" in price) throw unprocessable(price.error, { price: price.error });
    return { priceAmount: price.amount, minimumAmount: null };
  }
  if ("error" in price) {
    const msg = price.error.replace("Enter a price", "Enter a suggested price").replace("The lowest price", "The lowest suggested price");
    throw unprocessable(msg, { price: msg });
  }
  const min = parseMoney(raw.minimum?.trim() || "0", currency);
  const { min: lowest } = priceLimits(currency);
  let error: string | null = null;
  if (min === null) error = "Enter a minimum like 0, 5 or 4.99.";
  else if (min > 0 && min < lowest)
    error = `A minimum above zero must be at least ${formatMoney(lowest, currency)} (the smallest card payment).`;
  else if (min > price.amount) error = `The minimum can't be more than the suggested price (${formatMoney(price.amount, currency)}).`;
  if (error !== null) throw unprocessable(error, { minimum: error });
  return { priceAmount: price.amount, minimumAmount: min };
}

/**
 * What a buyer chose to pay for a pay-what-you-want product, validated in minor units (no rounding:
 * "4.999" is refused). 0 is allowed only when the minimum is 0; a paid amount must reach both the
 * minimum and the currency's lowest card payment.
 */
export function chosenAmount(raw: string, p: { minimumAmount: number | null; currency: string }): number {
  const fail = (msg: string): never => {
    throw unprocessable(msg, { amount: msg });
  };
  const amount = parseMoney(raw ?? "", p.currency);
  const digits = p.currency === "jpy" ? "like 500" : "like 5 or 7.50";
  if (amount === null) return fail(`Enter an amount ${digits}.`);
  const minimum = p.minimumAmount ?? 0;
  const { min: lowest, max } = priceLimits(p.currency);
  if (amount < minimum) return fail(`The minimum is ${formatMoney(minimum, p.currency)}.`);
  if (amount > max) return fail(`The most you can pay is ${formatMoney(max, p.currency)}.`);
  if (amount > 0 && amount < lowest)
    return fail(`Pay ${formatMoney(0, p.currency)} to get it free, or at least ${formatMoney(lowest, p.currency)} by card.`);
  return amount;
}

export const ProductInput = v.object({
  type: v.picklist(PRODUCT_TYPES, "Choose what kind of product this is."),
  title: v.pipe(
    v.string("Give your product a title."),
    v.trim(),
    v.nonEmpty("Give your product a title."),
    v.maxLength(120, "Keep the title under 120 characters."),
  ),
  slug: Slug,
  description: v.optional(v.pipe(v.string(), v.maxLength(20_000, "Keep the description under 20,000 characters.")), ""),
  pricing: v.optional(v.picklist(PRODUCT_PRICINGS, "Choose fixed price, free or pay what you want."), "fixed"),
  /** The price (fixed) or the suggested price (pay what you want); ignored for free products. */
  price: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(20, "That price is too long.")), ""),
  minimum: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(20, "That minimum is too long.")), ""),
  currency: Currency,
  /** No default here: a new product starts as a draft (createProduct), an edit keeps its status. */
  status: v.optional(v.picklist(["draft", "published"], "Choose draft or published.")),
});

export const LessonInput = v.object({
  title: v.pipe(
    v.string("Give the lesson a title."),
    v.trim(),
    v.nonEmpty("Give the lesson a title."),
    v.maxLength(120, "Keep the title under 120 characters."),
  ),
  body: v.optional(v.pipe(v.string(), v.maxLength(50_000, "Keep the lesson under 50,000 characters.")), ""),
  videoUrl: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.transform((s) => (s === "" ? undefined : s)),
      v.optional(
        v.pipe(
          v.string(),
          v.url("The video link must be a full https:// address."),
          v.check((s) => /^https:\/\//i.test(s), "The video link must start with https://"),
        ),
      ),
    ),
  ),
});
