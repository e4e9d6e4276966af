import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as identity from "~/modules/identity/schema";
import * as storefronts from "~/modules/storefronts/schema";
import * as apps from "~/modules/apps/schema";
import * as follows from "~/modules/follows/schema";
import * as payments from "~/modules/payments/schema";
import * as products from "~/modules/products/schema";
import * as tiers from "~/modules/tiers/schema";
import * as posts from "~/modules/posts/schema";
import * as feed from "~/modules/feed/schema";
import * as notifications from "~/modules/notifications/schema";
import * as email from "~/modules/email/schema";

export const schema = { ...identity, ...storefronts, ...apps, ...follows, ...payments, ...products, ...tiers, ...posts, ...feed, ...notifications, ...email };
export type Db = DrizzleD1Database<typeof schema>;

const cache = new WeakMap<D1Database, Db>();

/** One Drizzle client per D1 binding (cheap, but no need to rebuild it per call). */
export function getDb(env: { DB: D1Database }): Db {
  let db = cache.get(env.DB);
  if (!db) {
    db = drizzle(env.DB, { schema });
    cache.set(env.DB, db);
  }
  return db;
}
