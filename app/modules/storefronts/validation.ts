import * as v from "valibot";

/** Words that would shadow a route or confuse people; refused as handles. */
export const RESERVED_HANDLES = new Set([
  "admin",
  "api",
  "app",
  "apps",
  "dashboard",
  "discover",
  "feed",
  "library",
  "login",
  "logout",
  "media",
  "settings",
  "signup",
  "webhooks",
  "assets",
  "static",
  "help",
  "about",
  "dev",
  "root",
  "support",
  "allthrive",
  "creators",
  "terms",
  "privacy",
  "security",
  "billing",
  "checkout",
  "notifications",
  "posts",
  "rss",
  "www",
  "mail",
  "system",
  "null",
  "undefined",
]);

export const Handle = v.pipe(
  v.string("Choose a handle."),
  v.trim(),
  v.toLowerCase(),
  v.nonEmpty("Choose a handle."),
  v.minLength(3, "Handles are 3–30 characters long."),
  v.maxLength(30, "Handles are 3–30 characters long."),
  v.regex(/^[a-z0-9-]+$/, "Use only lowercase letters, digits and hyphens."),
  v.regex(/^[a-z0-9].*[a-z0-9]$/, "A handle can't start or end with a hyphen."),
  v.check((h) => !RESERVED_HANDLES.has(h), "That handle is reserved. Please choose another."),
);

export const ChangeHandleInput = v.object({ handle: Handle });

const optionalUrl = (label: string, hosts?: string[]) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.transform((s) => (s === "" ? undefined : s)),
      v.optional(
        v.pipe(
          v.string(),
          v.maxLength(300, `The ${label} link is too long.`),
          v.url(`The ${label} link must be a full web address starting with https://`),
          v.check((s) => /^https?:\/\//i.test(s), `The ${label} link must start with http:// or https://`),
          v.check(
            (s) =>
              !hosts ||
              hosts.some((h) => {
                try {
                  const host = new URL(s).hostname.toLowerCase();
                  return host === h || host.endsWith("." + h);
                } catch {
                  return false;
                }
              }),
            `The ${label} link must point to ${hosts?.join(" or ")}.`,
          ),
        ),
      ),
    ),
  );

export const ProfileInput = v.object({
  displayName: v.pipe(
    v.string("Enter a display name."),
    v.trim(),
    v.nonEmpty("Enter a display name."),
    v.maxLength(60, "Keep your display name under 60 characters."),
  ),
  bio: v.optional(v.pipe(v.string(), v.maxLength(5000, "Keep your bio under 5,000 characters.")), ""),
  website: optionalUrl("website"),
  x: optionalUrl("X", ["x.com", "twitter.com"]),
  github: optionalUrl("GitHub", ["github.com"]),
  linkedin: optionalUrl("LinkedIn", ["linkedin.com"]),
  youtube: optionalUrl("YouTube", ["youtube.com", "youtu.be"]),
});

export const BecomeCreatorInput = v.object({
  handle: Handle,
  displayName: ProfileInput.entries.displayName,
});
