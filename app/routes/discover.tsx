import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { AppGrid, PromotedRow } from "~/components/app-card";
import { EmptyState } from "~/components/empty-state";
import { Icon } from "~/components/icons";
import { PostCard, type PostCardData } from "~/components/post-card";
import { getDiscoverPage } from "~/modules/discovery/pages.server";
import { hydrateOnIntent } from "~/lib/hydration";

export { passThroughHeaders as headers } from "~/lib/route-headers";

/** Anonymous visitors read this page without JavaScript until they interact (decision 0106). */
export const handle = hydrateOnIntent;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const page = await getDiscoverPage(context.cloudflare.env, context.viewer?.id ?? null, new URL(request.url).searchParams);
  return data(page, { status: page.unknownCategory ? 404 : 200 });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  const cat = data?.category?.name;
  const q = data?.query.q;
  const what = data?.tab === "posts" ? "Posts" : cat ? `${cat} apps` : "Discover AI apps";
  return [
    { title: `${q ? `“${q}” — ` : ""}${what} — All Thrive` },
    {
      name: "description",
      content:
        "Browse and search AI apps and builders' posts by category, what's trending and what's new — and follow the builders behind them.",
    },
  ];
};

const SORT_LABELS = {
  trending: "Trending",
  new: "New",
  followed: "Most followed",
  upvoted: "Most upvoted this week",
  relevance: "Best match",
} as const;

type Page = ReturnType<typeof useLoaderData<typeof loader>>;
type LinkTo = (patch: Record<string, string>) => string;
const textLink = "font-semibold text-brand-700 underline";
const pagerLink = "rounded-lg bg-white px-5 py-2 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50";

function NextPage({ to }: { to: string }) {
  return (
    <div className="flex justify-center">
      <Link to={to} className={pagerLink}>
        Next page
      </Link>
    </div>
  );
}

/** Post search results: title, creator, date, lock badge and teaser only (never gated text). */
function PostList({ posts, label }: { posts: PostCardData[]; label: string }) {
  return (
    <ul aria-label={label} className="space-y-3">
      {posts.map((p) => (
        <li key={p.id}>
          <PostCard post={p} showCreator />
        </li>
      ))}
    </ul>
  );
}

/** Apps | Posts, shown once there is a query. */
function ResultTabs({ tab, link }: { tab: Page["tab"]; link: LinkTo }) {
  const tabs = [
    { id: "apps", label: "Apps", icon: "app" },
    { id: "posts", label: "Posts", icon: "pen" },
  ] as const;
  return (
    <nav aria-label="Search results" className="border-b border-slate-200">
      <ul className="-mb-px flex gap-6">
        {tabs.map((t) => (
          <li key={t.id}>
            <Link
              to={link({ in: t.id === "posts" ? "posts" : "", category: "", status: "", sort: "", cursor: "" })}
              aria-current={tab === t.id ? "page" : undefined}
              className={`inline-flex items-center gap-2 border-b-2 px-1 pb-2 text-sm font-semibold ${tab === t.id ? "border-brand-600 text-brand-800" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"}`}
            >
              <Icon name={t.icon} className="h-4 w-4" />
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function AppFilters({ d, link }: { d: Page; link: LinkTo }) {
  const { query } = d;
  const sorts = (
    query.q ? ["relevance", "trending", "new", "followed", "upvoted"] : ["trending", "new", "followed", "upvoted"]
  ) as (keyof typeof SORT_LABELS)[];
  const chip = (active: boolean) =>
    `whitespace-nowrap rounded-full px-3 py-1.5 text-sm font-medium ${active ? "bg-brand-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"}`;
  return (
    <>
      <nav aria-label="Categories" className="-mx-4 overflow-x-auto px-4">
        <ul className="flex gap-2 py-1">
          <li>
            <Link to={link({ category: "", cursor: "" })} className={chip(!query.category)}>
              All
            </Link>
          </li>
          {d.categories.map((c) => (
            <li key={c.slug}>
              <Link to={link({ category: c.slug, cursor: "" })} className={chip(query.category === c.slug)}>
                {c.name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2 text-sm">
        <div className="flex items-center gap-2" aria-label="Sort">
          <span className="text-slate-500">Sort:</span>
          {sorts.map((s) => (
            <Link
              key={s}
              to={link({ sort: s, cursor: "" })}
              aria-current={query.sort === s ? "true" : undefined}
              className={
                query.sort === s ? "font-semibold text-brand-800 underline underline-offset-4" : "text-slate-600 hover:text-slate-900"
              }
            >
              {SORT_LABELS[s]}
            </Link>
          ))}
        </div>
        <div className="flex items-center gap-2" aria-label="Status">
          <span className="text-slate-500">Status:</span>
          {(
            [
              ["", "Any"],
              ["live", "Live"],
              ["beta", "Beta"],
              ["coming_soon", "Coming soon"],
            ] as const
          ).map(([v, l]) => (
            <Link
              key={v}
              to={link({ status: v, cursor: "" })}
              className={
                query.status === v ? "font-semibold text-brand-800 underline underline-offset-4" : "text-slate-600 hover:text-slate-900"
              }
            >
              {l}
            </Link>
          ))}
        </div>
      </div>
    </>
  );
}

function AppResults({ d, link }: { d: Page; link: LinkTo }) {
  const { query } = d;
  const morePosts = !!d.posts?.items.length;
  return (
    <>
      <PromotedRow items={d.promoted} label={`Promoted in ${d.category?.name ?? "this category"}`} />
      {d.featured.length ? (
        <section aria-labelledby="featured-h" className="space-y-3">
          <h2 id="featured-h" className="text-xl font-semibold tracking-tight">
            Staff picks
          </h2>
          <AppGrid apps={d.featured} label="Featured apps" badge="Staff pick" />
        </section>
      ) : null}

      <section aria-labelledby="results-h" className="space-y-4">
        <h2 id="results-h" className="text-xl font-semibold tracking-tight">
          {query.q ? `Results for “${query.q}”` : SORT_LABELS[query.sort]}
        </h2>
        {d.unknownCategory ? (
          <EmptyState icon="search" title={`We don't have a “${query.category}” category`}>
            Try one of the categories above, or{" "}
            <Link to="/discover" className={textLink}>
              browse everything
            </Link>
            .
          </EmptyState>
        ) : d.badCursor ? (
          <EmptyState icon="refresh" title="That page link has expired">
            Rankings move as people use apps.{" "}
            <Link to={link({ cursor: "" })} className={textLink}>
              Start from the first page
            </Link>
            .
          </EmptyState>
        ) : d.items.length === 0 ? (
          <EmptyState icon="search" title={query.q ? `No apps match “${query.q}”` : "No apps here yet"}>
            {query.q ? (
              <>
                Check the spelling, try fewer words, or{" "}
                <Link to={link({ q: "", cursor: "" })} className={textLink}>
                  clear the search
                </Link>
                .{morePosts ? " Posts that match are listed below." : ""}
              </>
            ) : (
              "New apps show up here as soon as builders publish them."
            )}
          </EmptyState>
        ) : (
          <>
            <AppGrid apps={d.items} label="Apps" />
            {d.nextCursor ? <NextPage to={link({ cursor: d.nextCursor })} /> : null}
          </>
        )}
      </section>

      {d.posts && morePosts ? (
        <section aria-labelledby="posts-h" className="space-y-3">
          <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
            <h2 id="posts-h" className="text-xl font-semibold tracking-tight">
              Posts matching “{query.q}”
            </h2>
            {d.posts.nextCursor ? (
              <Link
                to={link({ in: "posts", category: "", status: "", sort: "", cursor: "" })}
                className="text-sm font-semibold text-brand-700 hover:underline"
              >
                See all matching posts
              </Link>
            ) : null}
          </div>
          <PostList posts={d.posts.items} label="Matching posts" />
        </section>
      ) : null}
    </>
  );
}

function PostResults({ d, link }: { d: Extract<Page, { tab: "posts" }>; link: LinkTo }) {
  const { query, posts } = d;
  return (
    <section aria-labelledby="results-h" className="space-y-4">
      <h2 id="results-h" className="text-xl font-semibold tracking-tight">
        Posts matching “{query.q}”
      </h2>
      {posts.badCursor ? (
        <EmptyState icon="refresh" title="That page link has expired">
          New posts change the results.{" "}
          <Link to={link({ cursor: "" })} className={textLink}>
            Start from the first page
          </Link>
          .
        </EmptyState>
      ) : posts.items.length === 0 ? (
        <EmptyState icon="pen" title={`No posts match “${query.q}”`}>
          Posts are found by their title, teaser and free preview. Try other words, or{" "}
          <Link to={link({ in: "", cursor: "" })} className={textLink}>
            look for apps instead
          </Link>
          .
        </EmptyState>
      ) : (
        <>
          <PostList posts={posts.items} label="Posts" />
          {posts.nextCursor ? <NextPage to={link({ cursor: posts.nextCursor })} /> : null}
        </>
      )}
    </section>
  );
}

export default function Discover() {
  const d = useLoaderData<typeof loader>();
  const { query, tab } = d;
  const link: LinkTo = (patch) => {
    const p = new URLSearchParams();
    const merged: Record<string, string> = {
      q: query.q,
      in: tab === "posts" ? "posts" : "",
      category: query.category,
      sort: query.sort,
      status: query.status,
      ...patch,
    };
    for (const [k, v] of Object.entries(merged)) if (v && !(k === "sort" && v === (merged.q ? "relevance" : "trending"))) p.set(k, v);
    const s = p.toString();
    return `/discover${s ? `?${s}` : ""}`;
  };
  return (
    <div className="space-y-8">
      <div className="space-y-4">
        <h1 className="text-3xl font-bold tracking-tight">
          {d.category ? `${d.category.name} apps` : tab === "posts" ? "Discover posts" : "Discover AI apps"}
        </h1>
        <Form method="get" action="/discover" role="search" className="flex gap-2">
          {query.category ? <input type="hidden" name="category" value={query.category} /> : null}
          {query.status ? <input type="hidden" name="status" value={query.status} /> : null}
          {tab === "posts" ? <input type="hidden" name="in" value="posts" /> : null}
          <label htmlFor="discover-q" className="sr-only">
            Search apps and posts
          </label>
          <input
            id="discover-q"
            type="search"
            name="q"
            defaultValue={query.q}
            placeholder="Search apps and posts, e.g. “voice tutor” or “Claude”"
            className="block w-full min-w-0 rounded-lg border border-slate-300 bg-white px-3 py-2 shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none"
          />
          <button type="submit" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700">
            Search
          </button>
        </Form>
        {query.q ? <ResultTabs tab={tab} link={link} /> : null}
        {d.tab === "apps" ? <AppFilters d={d} link={link} /> : null}
      </div>
      {d.tab === "posts" ? <PostResults d={d} link={link} /> : <AppResults d={d} link={link} />}
    </div>
  );
}
