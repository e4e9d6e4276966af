import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { Avatar } from "~/components/avatar";
import { AppGrid } from "~/components/app-card";
import { FollowButton } from "~/components/follow-button";
import { EmptyState } from "~/components/empty-state";
import { PostCard } from "~/components/post-card";
import { invariantResponse } from "~/lib/errors";
import { orRespond } from "~/lib/http.server";
import { getStorefront } from "~/pages/storefront.server";
import { ProductCard, TierCard } from "~/components/money/offerings";
import { ServiceCard } from "~/components/services/service-card";
import { usePerViewer, useViewer } from "~/root";
import { hydrateOnIntent } from "~/lib/hydration";
import { ProgramInvite } from "~/components/affiliates/program-invite";

/** Anonymous visitors read this page without JavaScript until they interact (decision 0106). */
export const handle = hydrateOnIntent;

export async function loader({ params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const raw = params.handle ?? "";
    invariantResponse(raw.startsWith("@") && raw.length > 1, "We couldn't find the page you were looking for.");
    const storefront = await getStorefront(context.cloudflare.env, raw.slice(1), context.viewer, context.prefetched);
    invariantResponse(storefront, `There's no creator called ${raw} on All Thrive (yet).`);
    const isOwner = context.viewer?.id === storefront.creator.userId;
    // `shared`: the signed-in page from the edge cache, rendered for no one (decision 55); the
    // follow state and owner controls then come from /viewer.json in the browser.
    return { ...storefront, isOwner, signedIn: !!context.viewer, shared: !!context.shared };
  });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: "Not found — All Thrive" }];
  const c = data.creator;
  const title = `${c.displayName} (@${c.handle}) — All Thrive`;
  return [
    { title },
    { name: "description", content: c.bioExcerpt || `${c.displayName}'s apps, products and updates on All Thrive.` },
    { property: "og:title", content: title },
    { property: "og:description", content: c.bioExcerpt },
    { property: "og:type", content: "profile" },
    ...(c.avatarUrl ? [{ property: "og:image", content: c.avatarUrl }] : []),
  ];
};

const LINK_LABELS = { website: "Website", x: "X", github: "GitHub", linkedin: "LinkedIn", youtube: "YouTube" } as const;

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="space-y-4">
      <h2 id={id} className="text-xl font-semibold tracking-tight text-slate-900">
        {title}
      </h2>
      {children}
    </section>
  );
}

export default function Storefront() {
  const data = useLoaderData<typeof loader>();
  const { creator, apps, followerCount, posts, products, tiers } = data;
  const perViewer = usePerViewer();
  const viewer = useViewer();
  const revalidator = useRevalidator();
  // On the shared page, this viewer's parts arrive from /viewer.json (null until then).
  const mine = data.shared ? (perViewer?.storefront?.handle === creator.handle.toLowerCase() ? perViewer.storefront : null) : null;
  const isOwner = data.shared ? !!mine?.isOwner : data.isOwner;
  const viewerFollows = data.shared ? !!mine?.following : data.viewerFollows;
  const shownFollowerCount = mine?.followerCount ?? followerCount;
  const signedIn = data.shared ? perViewer === null || !!viewer : data.signedIn;
  // The owner also sees their drafts: on the shared page, fetch their own render of it instead.
  const ownerOnShared = data.shared && !!mine?.isOwner;
  useEffect(() => {
    if (ownerOnShared && revalidator.state === "idle") revalidator.revalidate();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ownerOnShared]);
  const [params] = useSearchParams();
  const links = Object.entries(creator.links).filter(([, v]) => v) as [keyof typeof LINK_LABELS, string][];
  return (
    <div className="space-y-12">
      <header className="overflow-hidden rounded-3xl border border-slate-200 bg-white shadow-sm">
        <div className="h-28 bg-gradient-to-r from-brand-600 via-fuchsia-500 to-amber-400 sm:h-36" aria-hidden="true" />
        <div className="px-6 pb-6 sm:px-8">
          <div className="-mt-12 flex flex-wrap items-end gap-4">
            <Avatar url={creator.avatarUrl} name={creator.displayName} size={96} priority />
            <div className="min-w-0 flex-1 pt-14">
              <h1 className="truncate text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">{creator.displayName}</h1>
              <p className="text-slate-500">@{creator.handle}</p>
            </div>
            {isOwner ? (
              <Link
                to="/settings/profile"
                className="rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50"
              >
                Edit profile
              </Link>
            ) : null}
          </div>
          <div className="mt-4 flex flex-wrap items-center gap-x-4 gap-y-2">
            <FollowButton
              handle={creator.handle}
              following={viewerFollows}
              count={shownFollowerCount}
              signedIn={signedIn}
              isSelf={isOwner}
              pending={data.shared && perViewer === null}
            />
            <Link to={`/@${creator.handle}/following`} className="text-sm font-medium text-slate-600 hover:text-slate-900">
              Following
            </Link>
            {params.get("followError") ? (
              <p role="alert" className="w-full text-sm text-red-700">
                {params.get("followError")}
              </p>
            ) : null}
          </div>
          {creator.bioHtml ? <div className="prose-at mt-4 max-w-3xl" dangerouslySetInnerHTML={{ __html: creator.bioHtml }} /> : null}
          {links.length ? (
            <ul className="mt-4 flex flex-wrap gap-2" aria-label="Links">
              {links.map(([k, href]) => (
                <li key={k}>
                  <a
                    href={href}
                    rel="nofollow noopener me"
                    target="_blank"
                    className="inline-flex items-center rounded-full bg-slate-100 px-3 py-1 text-sm font-medium text-slate-700 hover:bg-brand-50 hover:text-brand-800"
                  >
                    {LINK_LABELS[k]}
                  </a>
                </li>
              ))}
            </ul>
          ) : null}
          <ProgramInvite invite={data.affiliateInvite} className="mt-4" />
        </div>
      </header>

      <Section id="apps" title="Apps">
        {isOwner ? (
          <div>
            <Link
              to="/apps/new"
              className="inline-flex rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
            >
              Add an app
            </Link>
          </div>
        ) : null}
        {apps.length ? (
          <AppGrid apps={apps} showCreator={false} label={`Apps by ${creator.displayName}`} />
        ) : (
          <EmptyState icon="app" title="No apps yet">
            {isOwner ? "Apps you register will show here." : `${creator.displayName} hasn't listed any apps yet.`}
          </EmptyState>
        )}
      </Section>
      <Section id="products" title="Products">
        {products.length ? (
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {products.map((p) => (
              <li key={p.id}>
                <ProductCard handle={creator.handle} product={p} />
              </li>
            ))}
          </ul>
        ) : (
          <EmptyState icon="box" title="No products yet">
            Courses, templates and prompt packs will appear here.
          </EmptyState>
        )}
      </Section>
      <Section id="subscriptions" title="Subscriptions">
        {tiers.length ? (
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {tiers.map((t) => (
              <li key={t.id}>
                <TierCard tier={t} />
              </li>
            ))}
          </ul>
        ) : (
          <EmptyState icon="star" title="No subscription tiers yet">
            Membership tiers will appear here.
          </EmptyState>
        )}
      </Section>
      <Section id="services" title="Services">
        {data.services.length ? (
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {data.services.map((s) => (
              <li key={s.id}>
                <ServiceCard handle={creator.handle} service={s} />
              </li>
            ))}
          </ul>
        ) : (
          <EmptyState icon="calendar" title="No services yet">
            Mentoring, office hours and done-for-you packages will appear here.
          </EmptyState>
        )}
      </Section>
      <Section id="updates" title="Latest updates">
        {posts.length ? (
          <div className="space-y-3">
            {posts.map((p) => (
              // On the shared page every gated card arrives locked; this reader's unlocked ones come from /viewer.json (D70).
              <PostCard key={p.id} post={mine?.unlocked.includes(p.id) ? { ...p, locked: false } : p} />
            ))}
            <p className="text-sm text-slate-500">
              <a href={`/@${creator.handle}/feed.xml`} className="hover:text-slate-800">
                RSS feed
              </a>
            </p>
          </div>
        ) : (
          <EmptyState icon="pen" title="No updates yet">
            {isOwner ? (
              <>
                Write your first update in{" "}
                <Link to="/dashboard/posts/new" className="font-medium text-brand-700 underline">
                  Posts
                </Link>
                .
              </>
            ) : (
              "Build logs, tutorials and announcements will appear here."
            )}
          </EmptyState>
        )}
      </Section>
    </div>
  );
}
