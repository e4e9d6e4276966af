/**
 * API scopes: read/write per resource group (decision 0095). A token carries any subset; `write`
 * does not imply `read`.
 */
export const SCOPE_GROUPS = [
  { group: "storefront", label: "Storefront and profile", write: false },
  { group: "apps", label: "Apps", write: true },
  { group: "posts", label: "Posts", write: true },
  { group: "catalog", label: "Products, tiers and services", write: true },
  { group: "sales", label: "Orders and bookings", write: false },
  { group: "audience", label: "Members and followers", write: false },
  { group: "licenses", label: "License keys and entitlements", write: true },
] as const;

export type ScopeGroup = (typeof SCOPE_GROUPS)[number]["group"];
export type Scope = `${ScopeGroup}:${"read" | "write"}`;

export const ALL_SCOPES: Scope[] = SCOPE_GROUPS.flatMap((g) =>
  g.write ? [`${g.group}:read` as Scope, `${g.group}:write` as Scope] : [`${g.group}:read` as Scope],
);

export const isScope = (s: string): s is Scope => (ALL_SCOPES as string[]).includes(s);

/** Token lifetimes offered in settings (days; 0 = never expires). */
export const EXPIRY_CHOICES = [
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
  { days: 365, label: "1 year" },
  { days: 0, label: "No expiry" },
] as const;

export const TOKEN_PREFIX = "at_pat_";
