import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { FormError, FormSuccess } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { requireViewer } from "~/modules/identity/auth.server";
import { buyerBookings, cancelBooking } from "~/modules/services/booking.server";

export const meta: MetaFunction = () => [{ title: "Your bookings — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return buyerBookings(context.cloudflare.env, viewer, new URL(request.url).searchParams.get("tz"));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  return handleForm(async () => {
    const r = await cancelBooking(context.cloudflare.env, viewer, String(form.get("bookingId") ?? ""));
    return {
      ok: true as const,
      message: r.refunded
        ? "Canceled. Your payment is refunded in full."
        : r.sessionReturned
          ? "Canceled. The session is back in your pack."
          : "Canceled.",
    };
  });
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
  const result = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-bold tracking-tight">Bookings</h1>
        <Link to="/library" className="text-sm text-brand-700 hover:underline">
          ← Library
        </Link>
      </div>
      {params.get("booked") ? <FormSuccess message="You're booked. We've emailed you the details." /> : null}
      {params.get("moved") ? <FormSuccess message="Moved. We've emailed you and the creator the new time." /> : null}
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
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
              {b.schedulingLink ? (
                <a
                  href={b.schedulingLink}
                  className="mt-2 inline-block rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
                >
                  Pick your time
                </a>
              ) : null}
              {b.status === "delivered" ? (
                <p className="mt-2 text-sm text-emerald-800">
                  Delivered.{" "}
                  {b.deliveryUrl ? (
                    <a href={b.deliveryUrl} rel="noreferrer" className="font-medium underline">
                      Open the deliverable
                    </a>
                  ) : null}
                  {b.deliveryNote ? <span className="mt-1 block whitespace-pre-wrap text-slate-700">{b.deliveryNote}</span> : null}
                </p>
              ) : null}
              {b.refundReason === "slot_taken" ? (
                <p className="mt-2 text-sm text-amber-800">Your payment arrived after this time was taken, so we refunded it in full.</p>
              ) : null}
              <div className="mt-3 flex flex-wrap items-center gap-4 text-sm">
                {b.serviceUrl ? (
                  <Link to={b.serviceUrl} className="text-brand-700 hover:underline">
                    Service page
                  </Link>
                ) : null}
                {b.icsUrl && b.status === "confirmed" ? (
                  <a href={b.icsUrl} className="text-brand-700 hover:underline">
                    Download .ics
                  </a>
                ) : null}
                {b.calendarLinks ? (
                  <>
                    <a href={b.calendarLinks.google} target="_blank" rel="noreferrer" className="text-brand-700 hover:underline">
                      Add to Google
                    </a>
                    <a href={b.calendarLinks.outlook} target="_blank" rel="noreferrer" className="text-brand-700 hover:underline">
                      Add to Outlook
                    </a>
                  </>
                ) : null}
                {b.serviceUrl && b.freeChange ? (
                  <Link to={`${b.serviceUrl}?reschedule=${b.id}`} className="font-medium text-brand-700 hover:underline">
                    Reschedule
                  </Link>
                ) : null}
                {b.canCancel ? (
                  <Form method="post" className="inline">
                    <input type="hidden" name="bookingId" value={b.id} />
                    <button type="submit" className="font-medium text-rose-700 hover:underline">
                      {b.freeChange ? "Cancel (full refund)" : "Cancel (no refund)"}
                    </button>
                  </Form>
                ) : null}
              </div>
              {b.canCancel && !b.freeChange ? (
                <p className="mt-1 text-xs text-slate-500">{`Less than ${b.windowHours} hours to go (the creator's policy): it can't be moved, and canceling isn't refunded.`}</p>
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
