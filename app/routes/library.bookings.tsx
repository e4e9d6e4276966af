import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { FormSuccess } from "~/components/ui/form";
import { formatMoney } from "~/lib/money";
import { requireViewer } from "~/modules/identity/auth.server";
import { buyerBookings } from "~/modules/services/booking.server";

export const meta: MetaFunction = () => [{ title: "Your bookings — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return buyerBookings(context.cloudflare.env, viewer, new URL(request.url).searchParams.get("tz"));
}

const STATUS: Record<string, string> = {
  confirmed: "Confirmed",
  delivered: "Delivered",
  refunded: "Refunded",
  canceled: "Canceled",
};

export default function LibraryBookings() {
  const { bookings, packs } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-bold tracking-tight">Bookings</h1>
        <Link to="/library" className="text-sm text-brand-700 hover:underline">
          ← Library
        </Link>
      </div>
      {params.get("booked") ? <FormSuccess message="You're booked. We've emailed you the details." /> : null}
      {packs.length ? (
        <section aria-labelledby="packs-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="packs-h" className="font-semibold">
            Session packs
          </h2>
          <ul className="mt-3 divide-y divide-slate-100">
            {packs.map((p) => (
              <li key={p.id} className="flex flex-wrap items-center justify-between gap-3 py-2 text-sm">
                <span>
                  <span className="font-medium">{p.title}</span> ·{" "}
                  <span data-testid="pack-left">{`${p.left} of ${p.total} sessions left`}</span>{" "}
                  <span className="text-slate-500">· {p.expired ? "expired" : `expires ${p.expires}`}</span>
                </span>
                {p.bookUrl && p.left > 0 && !p.expired ? (
                  <Link to={p.bookUrl} className="font-semibold text-brand-700 hover:underline">
                    Book a session
                  </Link>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {bookings.length ? (
        <ul className="space-y-3">
          {bookings.map((b) => (
            <li key={b.id} className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" data-testid="booking">
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="min-w-0">
                  <p className="font-semibold text-slate-900">{b.title}</p>
                  <p className="text-sm text-slate-600">
                    with {b.creatorName}
                    {b.gross > 0 ? ` · ${formatMoney(b.gross, b.currency)}` : b.fromPack ? " · from your pack" : " · free"}
                  </p>
                </div>
                <span
                  className={`rounded-full px-2 py-0.5 text-xs font-medium ${b.upcoming ? "bg-emerald-50 text-emerald-800" : "bg-slate-100 text-slate-700"}`}
                >
                  {b.upcoming ? "Upcoming" : (STATUS[b.status] ?? b.status)}
                </span>
              </div>
              {b.when ? <p className="mt-2 text-sm text-slate-800">{b.when}</p> : null}
              {b.due ? <p className="mt-2 text-sm text-slate-800">Due by {b.due}</p> : null}
              {b.refundReason === "slot_taken" ? (
                <p className="mt-2 text-sm text-amber-800">Your payment arrived after this time was taken, so we refunded it in full.</p>
              ) : null}
              {b.serviceUrl ? (
                <Link to={b.serviceUrl} className="mt-2 inline-block text-sm text-brand-700 hover:underline">
                  Service page
                </Link>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState icon="calendar" title="No bookings yet">
          Sessions and packages you book from creators appear here.
        </EmptyState>
      )}
    </div>
  );
}
