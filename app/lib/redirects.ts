/** Any fixed origin works: a target is accepted only if it resolves to this same origin. */
const BASE = "http://app.invalid";

/**
 * Only same-site targets are followed after sign-in, sign-up, follow and the like, never another
 * origin. The target is resolved with the URL parser exactly as a browser would (which drops tabs
 * and newlines and treats `\\` as `/`), so `/%09/evil.example`, `/\\evil.example` or `/\t/evil`
 * cannot slip through a string check; anything that is not a path on our origin gets the fallback.
 * The result is the parser's own serialisation (percent-encoded), so it is always a valid header.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (!to || typeof to !== "string" || !to.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(to, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  const path = url.pathname + url.search + url.hash;
  // The serialised path must itself be read back as a path on our origin (no `//host` forms).
  if (!path.startsWith("/") || path.startsWith("//") || new URL(path, BASE).origin !== BASE) return fallback;
  return path;
}

/**
 * 301 to the same URL with one path segment renamed (`/apps/old/try?x` → `/apps/new/try?x`), for
 * a resource whose address changed. Browsers must revalidate it rather than keep it forever: the
 * old address can be taken back or freed later, and a remembered 301 would then loop or mislead.
 */
export function movedPermanently(request: Request, from: string, to: string): Response {
  const url = new URL(request.url);
  const segments = url.pathname.split("/");
  const decoded = (seg: string) => {
    try {
      return decodeURIComponent(seg).toLowerCase();
    } catch {
      return seg;
    }
  };
  const i = segments.findIndex((seg) => decoded(seg) === from.toLowerCase());
  if (i >= 0) segments[i] = encodeURIComponent(to);
  return new Response(null, { status: 301, headers: { Location: segments.join("/") + url.search, "Cache-Control": "no-cache" } });
}
