import { Link } from "@remix-run/react";
import { UploadedImage } from "~/components/uploaded-image";

type Product = {
  id: string;
  slug: string;
  title: string;
  typeLabel: string;
  excerpt: string;
  coverUrl: string | null;
  price: string;
  sellable: boolean;
};
type Tier = {
  id: string;
  pricing: string;
  name: string;
  description: string;
  benefits: string[];
  priceLabel: string;
  maxSubscribers: number | null;
  seatsLeft: number | null;
  seatsLeftLabel: string | null;
  full: boolean;
  sellable: boolean;
};

export function ProductCard({ handle, product: p }: { handle: string; product: Product }) {
  return (
    <Link
      to={`/@${handle}/products/${p.slug}`}
      className="flex h-full flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm transition hover:border-brand-200 hover:shadow-md"
    >
      {p.coverUrl ? (
        <UploadedImage
          src={p.coverUrl}
          alt=""
          sizes="(min-width: 1024px) 360px, (min-width: 640px) 50vw, 100vw"
          className="aspect-[16/9] w-full object-cover"
        />
      ) : (
        <div className="aspect-[16/9] w-full bg-gradient-to-br from-brand-100 via-fuchsia-100 to-amber-50" aria-hidden="true" />
      )}
      <div className="flex flex-1 flex-col p-4">
        <p className="text-xs font-medium uppercase tracking-wide text-brand-700">{p.typeLabel}</p>
        <h3 className="mt-1 font-semibold text-slate-900">{p.title}</h3>
        {p.excerpt ? <p className="mt-1 line-clamp-2 text-sm text-slate-600">{p.excerpt}</p> : null}
        <div className="mt-auto flex items-center justify-between pt-3">
          <span className="font-semibold tabular-nums">{p.price}</span>
          {p.sellable ? (
            <span className="text-sm font-medium text-brand-700">View →</span>
          ) : (
            <span className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200">
              Coming soon
            </span>
          )}
        </div>
      </div>
    </Link>
  );
}

export function TierCard({ tier: t }: { tier: Tier }) {
  return (
    <div className="flex h-full flex-col rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
      <h3 className="font-semibold text-slate-900">{t.name}</h3>
      <p className="mt-1 font-semibold tabular-nums text-slate-800">{t.priceLabel}</p>
      {t.maxSubscribers !== null ? (
        <p
          className={`mt-1 text-sm font-medium ${t.full ? "text-rose-700" : t.seatsLeft !== null && t.maxSubscribers !== null && t.seatsLeft <= Math.max(1, Math.floor(t.maxSubscribers * 0.2)) ? "text-amber-700" : "text-slate-600"}`}
          data-testid="seats-left"
        >
          {t.full ? "Full — join the waitlist" : t.seatsLeftLabel}
        </p>
      ) : null}
      {t.description ? <p className="mt-2 text-sm text-slate-600">{t.description}</p> : null}
      {t.benefits.length ? (
        <ul className="mt-3 space-y-1 text-sm text-slate-700">
          {t.benefits.slice(0, 5).map((b, i) => (
            <li key={i} className="flex gap-2">
              <svg aria-hidden="true" viewBox="0 0 20 20" className="mt-0.5 h-4 w-4 shrink-0 fill-emerald-600">
                <path d="M7.7 14.3 3.4 10l1.4-1.4 2.9 2.9 7.5-7.5 1.4 1.4z" />
              </svg>
              {b}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="mt-auto pt-4">
        {t.sellable ? (
          <Link
            to={`/tiers/${t.id}`}
            className="flex justify-center rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700"
          >
            {t.full ? "Join the waitlist" : t.pricing === "free" ? "Join for free" : "Subscribe"}
          </Link>
        ) : (
          <span className="flex justify-center rounded-lg bg-amber-50 px-4 py-2 text-sm font-medium text-amber-800 ring-1 ring-amber-200">
            Coming soon
          </span>
        )}
      </div>
    </div>
  );
}
