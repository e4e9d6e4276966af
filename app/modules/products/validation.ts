import * as v from "valibot";
import { CURRENCIES, formatMoney, parseMoney, priceLimits } from "~/lib/money";
import { PRODUCT_TYPES } from "./schema";

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
  price: v.pipe(v.string("Enter a price."), v.trim(), v.nonEmpty("Enter a price.")),
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
