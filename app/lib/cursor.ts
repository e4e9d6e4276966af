/**
 * Opaque keyset cursors: base64url(JSON). `decodeCursor` never throws — a tampered, truncated or
 * foreign cursor yields null so pages can say "that link has expired" instead of erroring.
 */
export function encodeCursor(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor<T>(raw: string | null | undefined, check: (v: unknown) => v is T): T | null {
  if (!raw) return null;
  try {
    const bin = atob(raw.replace(/-/g, "+").replace(/_/g, "/"));
    const value: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
    return check(value) ? value : null;
  } catch {
    return null;
  }
}
