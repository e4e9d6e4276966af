import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { Avatar } from "~/components/avatar";
import { AppGrid, PromotedRow } from "~/components/app-card";
import { getHomeDiscovery } from "~/modules/discovery/pages.server";
import { EmptyState } from "~/components/empty-state";
import { listCreators } from "~/modules/storefronts/queries.server";
import { presentCreator } from "~/modules/storefronts/service.server";

export const meta: MetaFunction = () => [
  { title: "All Thrive — the home for AI builders" },
  {
    name: "description",
    content: "Discover AI apps and follow the builders behind them. One storefront for apps, writing, products, memberships and services.",
  },
];

export async function loader({ context }: LoaderFunctionArgs) {
  const [list, discovery] = await Promise.all([listCreators(context.cloudflare.env), getHomeDiscovery(context.cloudflare.env)]);
  const creators = list.map(presentCreator);
  return {
    ...discovery,
    creators: creators.map(({ handle, displayName, avatarUrl, bioExcerpt }) => ({ handle, displayName, avatarUrl, bioExcerpt })),
  };
}

export default function Home() {
  const { creators, featured, trending, activeCreators, promoted } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="space-y-12">
      {params.get("welcome") === "1" ? (
        // After sign-up: most people come to discover and buy, so selling is an offer, not a detour.
        <section
          aria-label="Welcome"
          data-testid="welcome"
          className="rounded-2xl border border-brand-200 bg-brand-50 px-5 py-4 text-slate-800"
        >
          <p className="font-semibold">Welcome to All Thrive — your account is ready.</p>
          <p className="mt-1 text-sm">
            Discover apps and follow the builders behind them. Build with AI yourself?{" "}
            <Link to="/settings/profile" className="font-semibold text-brand-700 underline">
              Open your storefront
            </Link>{" "}
            whenever you like.
          </p>
        </section>
      ) : null}
      <section className="rounded-3xl bg-gradient-to-br from-brand-700 via-brand-600 to-fuchsia-600 px-6 py-14 text-white shadow-sm sm:px-12">
        <h1 className="max-w-2xl text-3xl font-bold tracking-tight sm:text-5xl">The home for people who build with AI.</h1>
        <p className="mt-4 max-w-xl text-lg text-brand-100">
          Show your apps, write about your journey, sell what you know — and keep 92% of every sale.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <Link to="/signup" className="rounded-lg bg-white px-5 py-2.5 text-sm font-semibold text-brand-800 shadow hover:bg-brand-50">
            Open your storefront
          </Link>
          <a href="#creators" className="rounded-lg px-5 py-2.5 text-sm font-semibold text-white ring-1 ring-white/60 hover:bg-white/10">
            Meet the builders
          </a>
        </div>
      </section>

      <PromotedRow items={promoted} label="Promoted apps" />
      {featured.length ? (
        <section aria-labelledby="featured-h" className="space-y-4">
          <h2 id="featured-h" className="text-xl font-semibold tracking-tight">
            Staff picks
          </h2>
          <AppGrid apps={featured} label="Featured apps" badge="Staff pick" />
        </section>
      ) : null}

      <section aria-labelledby="trending-h" className="space-y-4">
        <div className="flex items-baseline justify-between gap-4">
          <h2 id="trending-h" className="text-xl font-semibold tracking-tight">
            Trending apps
          </h2>
          <Link to="/discover" className="text-sm font-semibold text-brand-700 hover:underline">
            Discover all apps →
          </Link>
        </div>
        {trending.length ? (
          <AppGrid apps={trending} label="Trending apps" />
        ) : (
          <EmptyState icon="app" title="No apps yet">
            Builders' apps will trend here.
          </EmptyState>
        )}
      </section>

      {activeCreators.length ? (
        <section aria-labelledby="active-h" className="space-y-4">
          <h2 id="active-h" className="text-xl font-semibold tracking-tight">
            Active creators
          </h2>
          <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
            {activeCreators.map((c) => (
              <li key={c.handle}>
                <Link
                  to={`/@${c.handle}`}
                  className="flex items-center gap-3 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm hover:border-brand-200"
                >
                  <Avatar url={c.avatarUrl} name={c.displayName} size={44} />
                  <div className="min-w-0">
                    <p className="truncate font-semibold text-slate-900">{c.displayName}</p>
                    <p className="text-sm text-slate-500">
                      {c.appCount} {c.appCount === 1 ? "app" : "apps"} · {c.followers} {c.followers === 1 ? "follower" : "followers"}
                    </p>
                  </div>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section id="creators" aria-labelledby="creators-h" className="space-y-4">
        <h2 id="creators-h" className="text-xl font-semibold tracking-tight">
          Builders on All Thrive
        </h2>
        {creators.length === 0 ? (
          <EmptyState icon="sprout" title="No creators yet">
            Be the first —{" "}
            <Link to="/signup" className="font-semibold text-brand-700 underline">
              open your storefront
            </Link>
            .
          </EmptyState>
        ) : (
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {creators.map((c) => (
              <li key={c.handle}>
                <Link
                  to={`/@${c.handle}`}
                  className="flex h-full gap-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-200 hover:shadow-md"
                >
                  <Avatar url={c.avatarUrl} name={c.displayName} size={56} />
                  <div className="min-w-0">
                    <p className="truncate font-semibold text-slate-900">{c.displayName}</p>
                    <p className="text-sm text-slate-500">@{c.handle}</p>
                    {c.bioExcerpt ? <p className="mt-2 line-clamp-3 text-sm text-slate-600">{c.bioExcerpt}</p> : null}
                  </div>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
