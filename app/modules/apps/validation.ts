import * as v from "valibot";
import { APP_STATUSES } from "./schema";
import { videoEmbed } from "./video";

export const MAX_SCREENSHOTS = 8;
export const MAX_TECH_TAGS = 12;

/** Words that would shadow app sub-routes or read as system pages. */
export const RESERVED_SLUGS = new Set([
  "new",
  "edit",
  "try",
  "admin",
  "api",
  "apps",
  "discover",
  "settings",
  "search",
  "category",
  "featured",
  "trending",
]);

/** "My Cool App!" → "my-cool-app" (diacritics dropped, at most 60 characters). */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/g, "");
}

export const Slug = v.pipe(
  v.string("Choose an address for the app."),
  v.trim(),
  v.toLowerCase(),
  v.minLength(3, "App addresses are 3–60 characters long."),
  v.maxLength(60, "App addresses are 3–60 characters long."),
  v.regex(/^[a-z0-9-]+$/, "Use only lowercase letters, digits and hyphens in the address."),
  v.regex(/^[a-z0-9](.*[a-z0-9])?$/, "The address can't start or end with a hyphen."),
  v.regex(/^(?!.*--)/, "The address can't contain two hyphens in a row."),
  v.check((s) => !RESERVED_SLUGS.has(s), "That address is reserved. Please choose another."),
);

const emptyToUndefined = v.transform((s: string) => (s === "" ? undefined : s));

const httpUrl = (label: string) =>
  v.pipe(
    v.string(`Enter the ${label}.`),
    v.trim(),
    v.nonEmpty(`Enter the ${label}.`),
    v.maxLength(500, `The ${label} is too long.`),
    v.url(`The ${label} must be a full web address starting with https://`),
    v.check((s) => /^https?:\/\//i.test(s), `The ${label} must start with http:// or https://`),
  );

/** "OpenAI, Claude,  python" → ["OpenAI", "Claude", "python"] (deduplicated case-insensitively). */
const TechStack = v.pipe(
  v.optional(v.string(), ""),
  v.transform((s) => {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const raw of s.split(",")) {
      const tag = raw.trim().replace(/\s+/g, " ");
      if (tag && !seen.has(tag.toLowerCase())) {
        seen.add(tag.toLowerCase());
        out.push(tag);
      }
    }
    return out;
  }),
  v.maxLength(MAX_TECH_TAGS, `List at most ${MAX_TECH_TAGS} technologies.`),
  v.check((tags) => tags.every((t) => t.length <= 30), "Keep each technology under 30 characters."),
);

export const AppInput = v.object({
  name: v.pipe(
    v.string("Give the app a name."),
    v.trim(),
    v.nonEmpty("Give the app a name."),
    v.maxLength(60, "Keep the name under 60 characters."),
  ),
  slug: v.optional(v.pipe(v.string(), v.trim(), emptyToUndefined, v.optional(Slug))),
  tagline: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(120, "Keep the tagline to 120 characters or fewer.")), ""),
  description: v.optional(v.pipe(v.string(), v.maxLength(10_000, "Keep the description under 10,000 characters.")), ""),
  appUrl: httpUrl("app's web address"),
  demoVideoUrl: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      emptyToUndefined,
      v.optional(
        v.pipe(
          v.string(),
          v.check((s) => videoEmbed(s) !== null, "Use a YouTube, Loom or Vimeo link for the demo video."),
        ),
      ),
    ),
  ),
  category: v.pipe(v.string("Choose a category."), v.trim(), v.nonEmpty("Choose a category.")),
  techStack: TechStack,
  status: v.optional(v.picklist(APP_STATUSES, "Choose beta, live or coming soon."), "live"),
});
export type AppInputOutput = v.InferOutput<typeof AppInput>;

export const ScreenshotMove = v.object({
  screenshotId: v.pipe(v.string(), v.nonEmpty("Which screenshot?")),
  direction: v.picklist(["up", "down"], "Move the screenshot up or down."),
});
