import * as v from "valibot";
import { VISIBILITIES } from "./schema";

const optionalText = (max: number, message: string) => v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, message)), "");

/** Empty string → undefined, so optional selects and inputs can be left blank. */
const blankToUndefined = (x: unknown) => (typeof x === "string" && x.trim() === "" ? undefined : x);

function toIdList(x: unknown): string[] {
  const list = Array.isArray(x) ? x.map(String) : typeof x === "string" ? x.split(",") : [];
  return list.map((s) => s.trim()).filter(Boolean);
}

export const SlugSchema = v.pipe(
  v.string("Choose a slug."),
  v.trim(),
  v.toLowerCase(),
  v.minLength(1, "Choose a slug."),
  v.maxLength(80, "Keep the slug under 80 characters."),
  v.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use lowercase letters, digits and single hyphens in the slug."),
);

export const PostInput = v.object({
  title: v.pipe(
    v.string("Give your post a title."),
    v.trim(),
    v.minLength(1, "Give your post a title."),
    v.maxLength(140, "Keep the title under 140 characters."),
  ),
  slug: v.optional(v.pipe(v.unknown(), v.transform(blankToUndefined), v.optional(SlugSchema))),
  body: v.pipe(v.optional(v.string(), ""), v.maxLength(100_000, "Posts can be up to 100,000 characters.")),
  excerpt: optionalText(300, "Keep the excerpt under 300 characters."),
  visibility: v.optional(v.picklist(VISIBILITIES, "Choose who can read this post."), "public"),
  /** Comma-separated or repeated tier ids (for visibility "tiers"). */
  tierIds: v.optional(
    v.pipe(v.unknown(), v.transform(toIdList), v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(20, "Choose at most 20 tiers.")),
    [],
  ),
  productId: v.optional(v.pipe(v.unknown(), v.transform(blankToUndefined), v.optional(v.pipe(v.string(), v.trim(), v.maxLength(64))))),
  appId: v.optional(v.pipe(v.unknown(), v.transform(blankToUndefined), v.optional(v.pipe(v.string(), v.trim(), v.maxLength(64))))),
});
export type PostInput = v.InferOutput<typeof PostInput>;

/** `publishAt` arrives from a datetime-local input (viewer's local time) plus the browser's UTC offset in minutes. */
export const ScheduleInput = v.object({
  publishAt: v.pipe(
    v.string("Choose when to publish."),
    v.trim(),
    v.minLength(1, "Choose when to publish."),
    v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, "Choose a date and time."),
  ),
  tzOffset: v.optional(
    v.pipe(
      v.unknown(),
      v.transform((x) => Number(x ?? 0)),
      v.number(),
      v.minValue(-900),
      v.maxValue(900),
    ),
    0,
  ),
});
