import * as v from "valibot";
import { APP_STATUSES } from "~/modules/apps/schema";

export const SORTS = ["trending", "new", "followed", "upvoted", "relevance"] as const;
export type Sort = (typeof SORTS)[number];

/** What a search lists: apps (default) or posts. */
export const TABS = ["apps", "posts"] as const;
export type Tab = (typeof TABS)[number];

/** Every query parameter /discover reads — and so every one that is part of its edge-cache key. */
export const DISCOVER_PARAMS = ["q", "in", "category", "sort", "status", "cursor"] as const;

/** /discover query string. Unknown values fall back to defaults rather than erroring. */
export const DiscoverParams = v.object({
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200)), ""),
  category: v.optional(v.pipe(v.string(), v.trim(), v.toLowerCase()), ""),
  sort: v.optional(v.fallback(v.picklist(SORTS), "trending")),
  status: v.optional(v.fallback(v.picklist(["", ...APP_STATUSES] as const), ""), ""),
  cursor: v.optional(v.string(), ""),
  in: v.optional(v.fallback(v.picklist(TABS), "apps"), "apps"),
});
export type DiscoverQuery = v.InferOutput<typeof DiscoverParams>;

/**
 * Free text → an FTS5 MATCH expression that can't be a syntax error: words only, each quoted and
 * prefix-matched, all required. Both indexes use the porter stemmer, so each word also matches its
 * other forms ("booking" finds "books"). Null when nothing searchable is left.
 */
export function ftsQuery(q: string): string | null {
  const words = (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
  return words.length ? words.map((w) => `"${w}"*`).join(" ") : null;
}
