import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { AppGrid } from "~/components/app-card";
import { EmptyState } from "~/components/empty-state";
import { getDiscoverPage } from "~/modules/discovery/pages.server";

export { passThroughHeaders as headers } from "~/lib/route-headers";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const page = await getDiscoverPage(context.cloudflare.env, new URL(request.url).searchParams);
  return data(page, { status: page.unknownCategory ? 404 : 200 });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const cat = data?.category?.name;
  const q = data?.query.q;
  return [
    { title: `${q ? `“${q}” — ` : ""}${cat ? `${cat} apps` : "Discover AI apps"} — All Thrive` },
    { name: "description", content: "Browse and search AI apps by category, what's trending and what's new — and follow the builders behind them." },
  ];
};

const SORT_LABELS = { trending: "Trending", new: "New", followed: "Most followed", relevance: "Best match" } as const;

export default function Discover() {
  const d = useLoaderData<typeof loader>();
  const { query } = d;
  const link = (patch: Record<string, string>) => {
    const p = new URLSearchParams();
    const merged: Record<string, string> = { q: query.q, category: query.category, sort: query.sort, status: query.status, ...patch };
    for (const [k, v] of Object.entries(merged)) if (v && !(k === "sort" && v === (merged.q ? "relevance" : "trending"))) p.set(k, v);
    const s = p.toString();
    return `/discover${s ? `?${s}` : ""}`;
  };
  const sorts = (query.q ? ["relevance", "trending", "new", "followed"] : ["trending", "new", "followed"]) as (keyof typeof SORT_LABELS)[];
  const chip = (active: boolean) => `whitespace-nowrap rounded-full px-3 py-1.5 text-sm font-medium ${active ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"}`;
  return (
    <div className="space-y-8">
      <div className="space-y-4">
        <h1 className="text-3xl font-bold tracking-tight">{d.category ? `${d.category.name} apps` : "Discover AI apps"}</h1>
        <Form method="get" action="/discover" role="search" className="flex gap-2">
          {query.category ? <input type="hidden" name="category" value={query.category} /> : null}
          {query.status ? <input type="hidden" name="status" value={query.status} /> : null}
          <label htmlFor="discover-q" className="sr-only">Search apps</label>
          <input id="discover-q" type="search" name="q" defaultValue={query.q} placeholder="Search apps, e.g. “voice tutor” or “Claude”" className="block w-full min-w-0 rounded-lg border border-slate-300 bg-white px-3 py-2 shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none" />
          <button type="submit" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700">Search</button>
        </Form>
        <nav aria-label="Categories" className="-mx-4 overflow-x-auto px-4">
          <ul className="flex gap-2 py-1">
            <li><Link to={link({ category: "", cursor: "" })} className={chip(!query.category)}>All</Link></li>
            {d.categories.map((c) => (
              <li key={c.slug}><Link to={link({ category: c.slug, cursor: "" })} className={chip(query.category === c.slug)}>{c.name}</Link></li>
            ))}
          </ul>
        </nav>
        <div className="flex flex-wrap items-center gap-x-6 gap-y-2 text-sm">
          <div className="flex items-center gap-2" aria-label="Sort">
            <span className="text-slate-500">Sort:</span>
            {sorts.map((s) => (
              <Link key={s} to={link({ sort: s, cursor: "" })} aria-current={query.sort === s ? "true" : undefined} className={query.sort === s ? "font-semibold text-brand-800 underline underline-offset-4" : "text-slate-600 hover:text-slate-900"}>{SORT_LABELS[s]}</Link>
            ))}
          </div>
          <div className="flex items-center gap-2" aria-label="Status">
            <span className="text-slate-500">Status:</span>
            {([["", "Any"], ["live", "Live"], ["beta", "Beta"], ["coming_soon", "Coming soon"]] as const).map(([v, l]) => (
              <Link key={v} to={link({ status: v, cursor: "" })} className={query.status === v ? "font-semibold text-brand-800 underline underline-offset-4" : "text-slate-600 hover:text-slate-900"}>{l}</Link>
            ))}
          </div>
        </div>
      </div>

      {d.featured.length ? (
        <section aria-labelledby="featured-h" className="space-y-3">
          <h2 id="featured-h" className="text-xl font-semibold tracking-tight">Featured</h2>
          <AppGrid apps={d.featured} label="Featured apps" />
        </section>
      ) : null}

      <section aria-labelledby="results-h" className="space-y-4">
        <h2 id="results-h" className="text-xl font-semibold tracking-tight">{query.q ? `Results for “${query.q}”` : SORT_LABELS[query.sort]}</h2>
        {d.unknownCategory ? (
          <EmptyState icon="search" title={`We don't have a “${query.category}” category`}>
            Try one of the categories above, or <Link to="/discover" className="font-semibold text-brand-700 underline">browse everything</Link>.
          </EmptyState>
        ) : d.badCursor ? (
          <EmptyState icon="search" title="That page link has expired">
            Rankings move as people use apps. <Link to={link({ cursor: "" })} className="font-semibold text-brand-700 underline">Start from the first page</Link>.
          </EmptyState>
        ) : d.items.length === 0 ? (
          <EmptyState icon="app" title={query.q ? `No apps match “${query.q}”` : "No apps here yet"}>
            {query.q ? <>Check the spelling, try fewer words, or <Link to={link({ q: "", cursor: "" })} className="font-semibold text-brand-700 underline">clear the search</Link>.</> : "New apps show up here as soon as builders publish them."}
          </EmptyState>
        ) : (
          <>
            <AppGrid apps={d.items} label="Apps" />
            {d.nextCursor ? (
              <div className="flex justify-center">
                <Link to={link({ cursor: d.nextCursor })} className="rounded-lg bg-white px-5 py-2 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50">Next page</Link>
              </div>
            ) : null}
          </>
        )}
      </section>
    </div>
  );
}
