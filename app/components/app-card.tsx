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
};

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

/** A compact app tile for storefronts, discovery and the home page. */
export function AppCard({ app, showCreator = true }: { app: AppCardData; showCreator?: boolean }) {
  return (
    <article className="relative flex h-full flex-col gap-3 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-brand-200 hover:shadow-md">
      <div className="flex items-start gap-3">
        <AppLogo url={app.logoUrl} name={app.name} />
        <div className="min-w-0 flex-1">
          <h3 className="truncate font-semibold text-slate-900">
            <Link to={`/apps/${app.slug}`} className="after:absolute after:inset-0 focus:outline-none">
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
      </div>
    </article>
  );
}

export function AppGrid({ apps, showCreator = true, label }: { apps: AppCardData[]; showCreator?: boolean; label?: string }) {
  return (
    <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label={label}>
      {apps.map((a) => (
        <li key={a.slug} className="min-w-0">
          <AppCard app={a} showCreator={showCreator} />
        </li>
      ))}
    </ul>
  );
}
