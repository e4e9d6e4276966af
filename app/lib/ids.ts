const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
/** The largest multiple of 36 that fits a byte: bytes at or above it are drawn again, so every character is equally likely. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/** Random, URL-safe, unguessable id (default 20 chars ≈ 103 bits), each character uniformly drawn. */
export function newId(length = 20): string {
  let out = "";
  while (out.length < length) {
    // A few spare bytes, so one draw almost always suffices (4 of 256 byte values are rejected).
    for (const b of crypto.getRandomValues(new Uint8Array(length - out.length + 4))) {
      if (b < UNBIASED_LIMIT && out.length < length) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return out;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
