import { Link } from "@remix-run/react";
import { UploadedImage } from "./uploaded-image";

export type AppCardData = {
  slug: string;
  name: string;
  tagline: string;
  logoUrl: string | null;
  category: string;
  status: "beta" | "live" | "coming_soon";
  techStack: string[];
  featured: boolean;
  published: boolean;
  creator: { handle: string; displayName: string };
  /** Upvotes on the app's feedback board (its visible items). */
  upvotes?: number;
  /** On /discover's "most upvoted this week" sort: this week's upvotes, the figure that orders the list. */
  upvotesThisWeek?: number;
};

/** "▲ 12" — the board's upvotes (this week's, when that is what orders the list). */
export function UpvoteCount({ app }: { app: Pick<AppCardData, "upvotes" | "upvotesThisWeek"> }) {
  const week = app.upvotesThisWeek;
  const n = week ?? app.upvotes;
  if (n === undefined) return null;
  const label = `${n} ${n === 1 ? "upvote" : "upvotes"}${week === undefined ? "" : " this week"}`;
  return (
    <span
      data-upvotes={n}
      title={label}
      className="ml-auto inline-flex items-center gap-1 rounded-md bg-white px-2 py-0.5 font-semibold text-slate-700 ring-1 ring-slate-200"
    >
      <span aria-hidden="true">▲</span>
      <span className="sr-only">{label}</span>
      <span aria-hidden="true">
        {n}
        {week === undefined ? "" : " this week"}
      </span>
    </span>
  );
}

const STATUS = {
  live: { label: "Live", cls: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  beta: { label: "Beta", cls: "bg-amber-50 text-amber-800 ring-amber-200" },
  coming_soon: { label: "Coming soon", cls: "bg-slate-100 text-slate-700 ring-slate-300" },
} as const;

export function StatusBadge({ status }: { status: AppCardData["status"] }) {
  const s = STATUS[status];
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ${s.cls}`}>{s.label}</span>;
}

export function AppLogo({
  url,
  name,
  size = 48,
  priority = false,
}: {
  url: string | null;
  name: string;
  size?: number;
  priority?: boolean;
}) {
  if (url)
    return (
      <UploadedImage
        src={url}
        alt=""
        width={size}
        height={size}
        sizes={`${size}px`}
        priority={priority}
        className="shrink-0 rounded-xl bg-slate-100 object-cover ring-1 ring-slate-200"
        style={{ width: size, height: size }}
      />
    );
  return (
    <span
      aria-hidden="true"
      className="inline-flex shrink-0 items-center justify-center rounded-xl bg-gradient-to-br from-brand-500 to-fuchsia-500 font-bold text-white"
      style={{ width: size, height: size, fontSize: size / 2.4 }}
    >
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

/**
 * Editorial and paid placement are always told apart: "Staff pick" (admin featured) and "Promoted"
 * (a paid promotion, D104) — never unlabelled.
 */
export type CardBadge = "Staff pick" | "Promoted";

const BADGE_CLS: Record<CardBadge, string> = {
  "Staff pick": "bg-brand-50 text-brand-800 ring-brand-200",
  Promoted: "bg-amber-100 text-amber-900 ring-amber-300",
};

/** A compact app tile for storefronts, discovery and the home page. */
export function AppCard({
  app,
  showCreator = true,
  badge,
  href,
}: {
  app: AppCardData;
  showCreator?: boolean;
  badge?: CardBadge;
  /** Where the card links (a promoted card goes through its click counter). */
  href?: string;
}) {
  return (
    <article className="relative flex h-full flex-col gap-3 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-200 hover:shadow-md">
      {badge ? (
        <span
          data-testid="card-badge"
          className={`absolute -top-2.5 left-4 rounded-full px-2 py-0.5 text-[0.7rem] font-semibold uppercase tracking-wide ring-1 ${BADGE_CLS[badge]}`}
        >
          {badge}
        </span>
      ) : null}
      <div className="flex items-start gap-3">
        <AppLogo url={app.logoUrl} name={app.name} />
        <div className="min-w-0 flex-1">
          <h3 className="truncate font-semibold text-slate-900">
            <Link to={href ?? `/apps/${app.slug}`} className="after:absolute after:inset-0 focus:outline-none">
              {app.name}
            </Link>
          </h3>
          {showCreator ? <p className="truncate text-sm text-slate-500">by {app.creator.displayName}</p> : null}
        </div>
        <StatusBadge status={app.status} />
      </div>
      {app.tagline ? <p className="line-clamp-2 text-sm text-slate-600">{app.tagline}</p> : null}
      <div className="mt-auto flex flex-wrap items-center gap-1.5 text-xs">
        <span className="rounded-md bg-brand-50 px-2 py-0.5 font-medium capitalize text-brand-800">{app.category}</span>
        {app.techStack.slice(0, 3).map((t) => (
          <span key={t} className="rounded-md bg-slate-100 px-2 py-0.5 text-slate-600">
            {t}
          </span>
        ))}
        {!app.published ? <span className="rounded-md bg-slate-800 px-2 py-0.5 font-medium text-white">Draft</span> : null}
        <UpvoteCount app={app} />
      </div>
    </article>
  );
}

export function AppGrid({
  apps,
  showCreator = true,
  label,
  badge,
}: {
  apps: AppCardData[];
  showCreator?: boolean;
  label?: string;
  badge?: CardBadge;
}) {
  return (
    <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label={label}>
      {apps.map((a) => (
        <li key={a.slug} className="min-w-0">
          <AppCard app={a} showCreator={showCreator} badge={badge} />
        </li>
      ))}
    </ul>
  );
}

/**
 * The paid row (D104): every card labelled "Promoted", its link counted as a click and an
 * impression counted when the card is loaded into view (a lazy, uncached 1×1 image — so it also
 * counts on pages served from the edge cache).
 */
/** A promoted product's card data (D115). */
export type PromotedProduct = {
  id: string;
  title: string;
  typeLabel: string;
  excerpt: string;
  coverUrl: string | null;
  price: string;
  href: string;
  creatorName: string;
};

export function PromotedRow({
  items,
  label,
}: {
  items: ({ promotionId: string; app: AppCardData } | { promotionId: string; product: PromotedProduct })[];
  label: string;
}) {
  if (!items.length) return null;
  return (
    <section aria-label={label} className="space-y-3 rounded-2xl bg-amber-50/60 p-4 ring-1 ring-amber-200">
      <p className="text-xs font-medium text-amber-900">
        Promoted — paid placement, shown above and separately from the rankings, which it doesn't affect.
      </p>
      <ul className="grid gap-4 pt-2 sm:grid-cols-2 lg:grid-cols-3">
        {items.map((p) => (
          <li key={p.promotionId} className="relative min-w-0" data-testid="promoted-card">
            {"app" in p ? (
              <AppCard app={p.app} badge="Promoted" href={`/promoted/${p.promotionId}/click`} />
            ) : (
              <PromotedProductCard product={p.product} href={`/promoted/${p.promotionId}/click`} />
            )}
            <img
              src={`/promoted/${p.promotionId}/seen`}
              alt=""
              width={1}
              height={1}
              loading="lazy"
              className="pointer-events-none absolute bottom-0 left-0 h-px w-px opacity-0"
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A product in the paid row: the same "Promoted" label as an app card, its link through the click counter. */
function PromotedProductCard({ product: p, href }: { product: PromotedProduct; href: string }) {
  return (
    <article className="relative flex h-full flex-col gap-2 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-200 hover:shadow-md">
      <span
        data-testid="card-badge"
        className={`absolute -top-2.5 left-4 rounded-full px-2 py-0.5 text-[0.7rem] font-semibold uppercase tracking-wide ring-1 ${BADGE_CLS.Promoted}`}
      >
        Promoted
      </span>
      <p className="text-xs font-medium uppercase tracking-wide text-brand-700">{p.typeLabel}</p>
      <h3 className="truncate font-semibold text-slate-900">
        <Link to={href} className="after:absolute after:inset-0 focus:outline-none">
          {p.title}
        </Link>
      </h3>
      <p className="truncate text-sm text-slate-500">by {p.creatorName}</p>
      {p.excerpt ? <p className="line-clamp-2 text-sm text-slate-600">{p.excerpt}</p> : null}
      <p className="mt-auto font-semibold tabular-nums text-slate-900">{p.price}</p>
    </article>
  );
}
