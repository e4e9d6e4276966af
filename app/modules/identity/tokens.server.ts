/**
 * Emailed single-use links (D61): 32 random bytes, base64url, in the link; only their SHA-256
 * (hex) is stored. Looking a link up hashes what the browser brought, so the database never holds
 * a token that would work if copied out of it.
 */
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

export function newAccountToken(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function hashAccountToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Plausible token shape (base64url, 43 chars); anything else is rejected before any lookup. */
export const looksLikeAccountToken = (token: string | undefined): token is string => !!token && /^[A-Za-z0-9_-]{43}$/.test(token);
