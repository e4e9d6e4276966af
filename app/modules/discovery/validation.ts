import * as v from "valibot";
import { APP_STATUSES } from "~/modules/apps/schema";

export const SORTS = ["trending", "new", "followed", "relevance"] as const;
export type Sort = (typeof SORTS)[number];

/** /discover query string. Unknown values fall back to defaults rather than erroring. */
export const DiscoverParams = v.object({
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200)), ""),
  category: v.optional(v.pipe(v.string(), v.trim(), v.toLowerCase()), ""),
  sort: v.optional(v.fallback(v.picklist(SORTS), "trending")),
  status: v.optional(v.fallback(v.picklist(["", ...APP_STATUSES] as const), ""), ""),
  cursor: v.optional(v.string(), ""),
});
export type DiscoverQuery = v.InferOutput<typeof DiscoverParams>;

/**
 * Free text → an FTS5 MATCH expression that can't be a syntax error: words only, each quoted and
 * prefix-matched, all required. Null when nothing searchable is left.
 */
export function ftsQuery(q: string): string | null {
  const words = (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
  return words.length ? words.map((w) => `"${w}"*`).join(" ") : null;
}
