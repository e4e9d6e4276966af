import { Link } from "@remix-run/react";
import { useEffect, useState } from "react";
import { UploadedImage } from "~/components/uploaded-image";

export type ServiceCardData = {
  id: string;
  title: string;
  slug: string;
  excerpt: string;
  coverUrl: string | null;
  pricingLabel: string;
  price: string;
  duration: string;
  sellable: boolean;
  linkMode: boolean;
  nextAvailable: string | null;
  nextAvailableLabel: string | null;
  creatorZone: string | null;
};

const nextFormat = () => new Intl.DateTimeFormat("en-US", { weekday: "short", hour: "numeric", minute: "2-digit" });

/**
 * A storefront service card. "Next available" is rendered in the creator's zone on the server (the
 * page is shared by every visitor through the edge cache) and re-labelled in the visitor's own zone
 * once the page runs in their browser.
 */
export function ServiceCard({ handle, service }: { handle: string; service: ServiceCardData }) {
  const [next, setNext] = useState(service.nextAvailableLabel ? `${service.nextAvailableLabel} (${service.creatorZone})` : null);
  useEffect(() => {
    if (service.nextAvailable) setNext(nextFormat().format(new Date(service.nextAvailable)));
  }, [service.nextAvailable]);
  return (
    <Link
      to={`/@${handle}/services/${service.slug}`}
      className="group block h-full overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm transition hover:shadow-md focus-visible:ring-2 focus-visible:ring-brand-400 focus-visible:outline-none"
      data-testid="service-card"
    >
      {service.coverUrl ? (
        <UploadedImage
          src={service.coverUrl}
          alt=""
          sizes="(min-width: 1024px) 360px, (min-width: 640px) 50vw, 100vw"
          className="aspect-[16/9] w-full object-cover"
        />
      ) : (
        <div className="aspect-[16/9] w-full bg-gradient-to-br from-sky-100 via-brand-100 to-emerald-50" aria-hidden="true" />
      )}
      <div className="space-y-1 p-4">
        <p className="text-xs font-medium text-brand-700">{service.pricingLabel}</p>
        <h3 className="font-semibold text-slate-900 group-hover:text-brand-700">{service.title}</h3>
        <p className="text-sm text-slate-600">
          {service.price} · {service.duration}
        </p>
        {service.excerpt ? <p className="line-clamp-2 text-sm text-slate-500">{service.excerpt}</p> : null}
        <p className="pt-1 text-sm text-slate-700">
          {!service.sellable ? (
            "Coming soon"
          ) : next ? (
            <>
              Next available: <time dateTime={service.nextAvailable ?? undefined}>{next}</time>
            </>
          ) : service.linkMode ? (
            "Pick a time after paying"
          ) : service.duration.startsWith("Delivered") ? (
            "Order any time"
          ) : (
            "No open times right now"
          )}
        </p>
      </div>
    </Link>
  );
}
