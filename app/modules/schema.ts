/**
 * The schema barrel: every domain's table definitions (one D1 database). The only module `lib/` may
 * import (decision 0056), and what drizzle's relational queries are typed against.
 */
export * from "./identity/schema";
export * from "./storefronts/schema";
export * from "./apps/schema";
export * from "./follows/schema";
export * from "./payments/schema";
export * from "./products/schema";
export * from "./tiers/schema";
export * from "./posts/schema";
export * from "./feed/schema";
export * from "./notifications/schema";
export * from "./email/schema";
export * from "./admin/schema";
export * from "./exports/schema";
export * from "./community/schema";
export * from "./services/schema";
export * from "./growth/schema";
export * from "./webhooks/schema";
export * from "./api/schema";
export * from "./licenses/schema";
export * from "./analytics/schema";
export * from "./affiliates/schema";
