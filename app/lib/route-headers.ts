import type { HeadersFunction } from "@remix-run/cloudflare";

/**
 * Remix only forwards cookies from loaders/actions unless a route exports `headers`.
 * Routes that answer with meaningful headers (Retry-After, Cache-Control…) re-export this.
 */
export const passThroughHeaders: HeadersFunction = ({ parentHeaders, loaderHeaders, actionHeaders, errorHeaders }) => {
  const h = new Headers(parentHeaders);
  for (const src of [loaderHeaders, actionHeaders, errorHeaders]) {
    src?.forEach((value, key) => {
      if (key.toLowerCase() !== "set-cookie") h.set(key, value);
    });
  }
  return h;
};
