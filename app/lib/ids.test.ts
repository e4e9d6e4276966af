import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "./ids";

/** Makes crypto.getRandomValues fill its first array with `first`, then count up from `then`. */
function randomBytes(first: number, then: number) {
  let call = 0;
  let next = then;
  vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    const a = array as unknown as Uint8Array;
    for (let i = 0; i < a.length; i++) a[i] = call === 0 ? first : next++ % 256;
    call++;
    return array;
  });
}

describe("newId", () => {
  afterEach(() => vi.restoreAllMocks());

  it("draws again instead of using the bytes that would favour some characters", () => {
    // 252–255 are the 4 byte values past the last whole multiple of 36: `byte % 36` would turn them
    // into 0–3, making those characters more likely than the others. They are skipped.
    randomBytes(255, 10);
    expect(newId(4)).toBe("abcd");
  });

  it("maps the other bytes onto all 36 characters", () => {
    let next = 0;
    vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const a = array as unknown as Uint8Array;
      for (let i = 0; i < a.length; i++) a[i] = next++ % 252;
      return array;
    });
    const id = newId(252);
    const counts = new Map<string, number>();
    for (const c of id) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    expect(new Set(counts.values())).toEqual(new Set([7]));
  });

  it("is URL-safe and as long as asked", () => {
    expect(newId()).toMatch(/^[0-9a-z]{20}$/);
    expect(newId(8)).toMatch(/^[0-9a-z]{8}$/);
  });
});
