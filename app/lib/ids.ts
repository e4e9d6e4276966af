const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random, URL-safe, unguessable id (default 20 chars ≈ 103 bits). */
export function newId(length = 20): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 36];
  return out;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
