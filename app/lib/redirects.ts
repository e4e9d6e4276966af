/** Only same-site paths are followed after sign-in, never another origin. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (!to || typeof to !== "string") return fallback;
  if (!to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
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
