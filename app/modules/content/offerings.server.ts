/**
 * The offerings a post can point at — the creator's tiers, products and apps
 * — for the editor, and the ownership check that a post only refers to its own.
 */
import { and, asc, eq, inArray, ne } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { unprocessable } from "~/lib/errors";
import { apps } from "~/modules/apps/schema";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";

export type Offering = { id: string; name: string };

export async function validateOfferings(
  env: Env,
  creatorId: string,
  refs: { tierIds: string[]; productId: string | null; appId: string | null },
) {
  const db = getDb(env);
  if (refs.tierIds.length) {
    const own = await db
      .select({ id: tiers.id })
      .from(tiers)
      .where(and(eq(tiers.creatorId, creatorId), inArray(tiers.id, refs.tierIds)));
    if (own.length !== new Set(refs.tierIds).size)
      throw unprocessable("Choose tiers from your own storefront.", { tierIds: "Choose tiers from your own storefront." });
  }
  if (refs.productId) {
    const own = await db.query.products.findFirst({
      where: and(eq(products.id, refs.productId), eq(products.creatorId, creatorId)),
      columns: { id: true },
    });
    if (!own) throw unprocessable("Choose one of your own products.", { productId: "Choose one of your own products." });
  }
  if (refs.appId) {
    const own = await db.query.apps.findFirst({
      where: and(eq(apps.id, refs.appId), eq(apps.creatorId, creatorId)),
      columns: { id: true },
    });
    if (!own) throw unprocessable("Choose one of your own apps.", { appId: "Choose one of your own apps." });
  }
}

export async function listOfferings(env: Env, creatorId: string): Promise<{ tiers: Offering[]; products: Offering[]; apps: Offering[] }> {
  const db = getDb(env);
  const [t, p, a] = await Promise.all([
    db
      .select({ id: tiers.id, name: tiers.name })
      .from(tiers)
      .where(and(eq(tiers.creatorId, creatorId), ne(tiers.status, "archived")))
      .orderBy(asc(tiers.position)),
    db
      .select({ id: products.id, name: products.title })
      .from(products)
      .where(eq(products.creatorId, creatorId))
      .orderBy(asc(products.title)),
    db.select({ id: apps.id, name: apps.name }).from(apps).where(eq(apps.creatorId, creatorId)).orderBy(asc(apps.name)),
  ]);
  return { tiers: t, products: p, apps: a };
}
