/**
 * Money, in ONE place: integer minor units + ISO currency, the platform fee, limits, parsing and
 * formatting. Never use floats for amounts anywhere else.
 */

/** The platform's cut, in percent. Creators keep the rest. */
export const PLATFORM_FEE_PERCENT = 8;

/** Currencies a creator can price in (Stripe supports them all for Connect destination charges). */
export const CURRENCIES = ["usd", "eur", "gbp", "cad", "aud", "jpy"] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Currencies with no minor unit (amounts are whole yen, not cents). Stripe's list, trimmed to ours plus common ones. */
const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

export const minorUnitDigits = (currency: string) => (ZERO_DECIMAL.has(currency.toLowerCase()) ? 0 : 2);
/** How many minor units make one major unit (100 for USD, 1 for JPY). */
export const minorPerMajor = (currency: string) => 10 ** minorUnitDigits(currency);

/**
 * 8% of `amount`, rounded half up, in the same minor units. Pure integer arithmetic:
 * fee = floor((amount·8 + 50) / 100). Zero-decimal currencies need nothing special because the
 * amount is already in their smallest unit (¥1), which is also what Stripe's fee is charged in.
 */
export function platformFee(amount: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a non-negative integer, got ${amount}`);
  return Math.floor((amount * PLATFORM_FEE_PERCENT + 50) / 100);
}

/** Gross → {gross, fee, net}: what every order and invoice records. */
export function split(gross: number): { gross: number; fee: number; net: number } {
  const fee = platformFee(gross);
  return { gross, fee, net: gross - fee };
}

/**
 * Price limits: at least 1.00 and at most 10,000.00 in the currency, and never below Stripe's
 * minimum charge (JPY: ¥50, so ¥1 can't be charged).
 */
const STRIPE_MINIMUM: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, jpy: 50 };
/** The least Stripe will charge in a currency (minor units): a discounted price between 0 and this can't be paid. */
export const stripeMinimumCharge = (currency: string) => STRIPE_MINIMUM[currency] ?? (minorUnitDigits(currency) ? 50 : 1);

export function priceLimits(currency: string): { min: number; max: number } {
  const per = minorPerMajor(currency);
  return { min: Math.max(1 * per, STRIPE_MINIMUM[currency] ?? 0), max: 10_000 * per };
}

// Building an Intl.NumberFormat costs far more than formatting with one (it was a twentieth of a
// storefront render's CPU): one per locale and currency, reused.
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Formats minor units for people: formatMoney(1999, "usd") → "$19.99", formatMoney(500, "jpy") → "¥500". */
export function formatMoney(amount: number, currency: string, locale = "en-US"): string {
  const digits = minorUnitDigits(currency);
  const key = `${locale}|${currency}`;
  let f = moneyFormats.get(key);
  if (!f)
    moneyFormats.set(
      key,
      (f = new Intl.NumberFormat(locale, {
        style: "currency",
        currency: currency.toUpperCase(),
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })),
    );
  return f.format(amount / 10 ** digits);
}

/** The amount as a plain decimal string for form fields: 1999 usd → "19.99", 500 jpy → "500". */
export function toMajorString(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(amount);
  const per = 10 ** digits;
  return `${Math.floor(amount / per)}.${String(amount % per).padStart(digits, "0")}`;
}

/**
 * Parses what a person typed ("19", "19.9", "19.99", "1,000.50") into minor units without floats.
 * Returns null when it isn't a plain amount with at most the currency's number of decimals.
 */
export function parseMoney(input: string, currency: string): number | null {
  const digits = minorUnitDigits(currency);
  const s = input
    .trim()
    .replace(/^[$€£¥]/, "")
    .replace(/,(?=\d{3}(\D|$))/g, "");
  const m = /^(\d{1,9})(?:\.(\d*))?$/.exec(s);
  if (!m) return null;
  const frac = m[2] ?? "";
  if (frac.length > digits) return null;
  return Number(m[1]) * 10 ** digits + (digits ? Number(frac.padEnd(digits, "0") || "0") : 0);
}

/**
 * What a payment left after refunds and a lost dispute, from what Stripe reports (never recomputed:
 * Stripe rounds its proportional fee refunds itself, and a dashboard refund returns neither the fee
 * nor the transfer). `gross` is what the buyer still paid; `fee` what the platform kept of its fee;
 * `net` what the creator kept of their transfer; `platformFunded` is the part of the money returned
 * to the buyer that came out of neither (the platform paid it).
 */
export function kept(p: {
  gross: number;
  fee: number;
  net: number;
  refunded: number;
  feeRefunded: number;
  transferReversed: number;
  disputeLost?: number;
}) {
  const returned = Math.min(p.gross, p.refunded + (p.disputeLost ?? 0));
  const fee = p.fee - Math.min(p.fee, p.feeRefunded);
  const net = p.net - Math.min(p.net, p.transferReversed);
  return { gross: p.gross - returned, fee, net, returned, platformFunded: Math.max(0, returned - (p.fee - fee) - (p.net - net)) };
}
