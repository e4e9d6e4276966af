import { describe, expect, it } from "vitest";
import { formatMoney, parseMoney, platformFee, priceLimits, split, toMajorString } from "./money";

describe("platform fee (8%, round half up, integer minor units)", () => {
  it.each([
    [0, 0],
    [1, 0], // 0.08 → 0
    [6, 0], // 0.48 → 0
    [7, 1], // 0.56 → 1
    [12, 1], // 0.96 → 1
    [25, 2], // 2.00 exactly
    [100, 8],
    [1999, 160], // 159.92 → 160
    [625, 50], // 50.00 exactly
    [1_000_000, 80_000], // 10,000.00
  ])("fee(%i) = %i", (amount, fee) => {
    expect(platformFee(amount)).toBe(fee);
  });

  it("rounds to the nearest unit; 8% of an integer is never exactly .5 (8a ≡ 50 mod 100 has no solution), so half-up never has to break a tie", () => {
    expect(platformFee(19)).toBe(2); // 1.52
    expect(platformFee(18)).toBe(1); // 1.44
    for (let a = 0; a <= 20_000; a++) {
      expect((a * 8) % 100).not.toBe(50);
      expect(platformFee(a)).toBe(Math.round((a * 8) / 100));
    }
  });

  it("gross = fee + net for every amount up to 100,000", () => {
    for (let a = 0; a <= 100_000; a += 7) {
      const s = split(a);
      expect(s.fee + s.net).toBe(a);
      expect(Math.abs(s.fee - a * 0.08)).toBeLessThanOrEqual(0.5);
    }
  });

  it("JPY: the fee is in whole yen (zero-decimal), same formula", () => {
    expect(split(500)).toEqual({ gross: 500, fee: 40, net: 460 });
    expect(split(1_999)).toEqual({ gross: 1_999, fee: 160, net: 1_839 });
    expect(formatMoney(1_999, "jpy")).toBe("¥1,999");
  });

  it("refuses non-integers and negatives", () => {
    expect(() => platformFee(1.5)).toThrow();
    expect(() => platformFee(-1)).toThrow();
  });
});

describe("parsing and formatting", () => {
  it("parses what people type without floats", () => {
    expect(parseMoney("19.99", "usd")).toBe(1999);
    expect(parseMoney("19.9", "usd")).toBe(1990);
    expect(parseMoney("19", "usd")).toBe(1900);
    expect(parseMoney("1,000.50", "usd")).toBe(100050);
    expect(parseMoney("$5", "usd")).toBe(500);
    expect(parseMoney("0.29", "usd")).toBe(29); // 0.29·100 is 28.999… in floats
    expect(parseMoney("19.999", "usd")).toBeNull();
    expect(parseMoney("abc", "usd")).toBeNull();
    expect(parseMoney("-5", "usd")).toBeNull();
    expect(parseMoney("500", "jpy")).toBe(500);
    expect(parseMoney("500.5", "jpy")).toBeNull();
  });

  it("formats and round-trips", () => {
    expect(formatMoney(1999, "usd")).toBe("$19.99");
    expect(formatMoney(1999, "eur")).toBe("€19.99");
    expect(toMajorString(1905, "usd")).toBe("19.05");
    expect(toMajorString(500, "jpy")).toBe("500");
    for (const a of [1, 10, 105, 1999, 100000]) expect(parseMoney(toMajorString(a, "usd"), "usd")).toBe(a);
  });

  it("limits: 1.00 to 10,000.00 in the currency, and Stripe's ¥50 minimum for JPY", () => {
    expect(priceLimits("usd")).toEqual({ min: 100, max: 1_000_000 });
    expect(priceLimits("jpy")).toEqual({ min: 50, max: 10_000 });
  });
});
