import { listCategories } from "~/modules/apps/queries.server";
import { activeCreators, discoverApps, featuredApps, trendingApps } from "./queries.server";

/** Data for /discover: one page of results, the categories, and the featured row on a plain first page. */
export async function getDiscoverPage(env: Env, searchParams: URLSearchParams) {
  const raw = Object.fromEntries(["q", "category", "sort", "status", "cursor"].map((k) => [k, searchParams.get(k) ?? ""]));
  const [result, categories] = await Promise.all([discoverApps(env, raw), listCategories(env)]);
  const plainFirstPage = !raw.q && !raw.cursor && !result.unknownCategory;
  const featured = plainFirstPage ? await featuredApps(env) : [];
  return { ...result, categories: categories.map((c) => ({ slug: c.slug, name: c.name })), featured };
}

/** Data for the home page. */
export async function getHomeDiscovery(env: Env) {
  const [featured, trending, creators] = await Promise.all([featuredApps(env, 6), trendingApps(env, 6), activeCreators(env, 6)]);
  return { featured, trending, activeCreators: creators };
}
