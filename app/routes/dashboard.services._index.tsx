import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { FormError, FormSuccess } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { EmptyState } from "~/components/empty-state";
import { StatusBadge } from "~/components/money/earnings-chart";
import { formatMoney } from "~/lib/money";
import { requireViewer } from "~/modules/identity/auth.server";
import { cancelBooking, creatorBookings, markDelivered, recordLinkModeTime } from "~/modules/services/booking.server";
import { listCreatorServices } from "~/modules/services/service.server";

export const meta: MetaFunction = () => [{ title: "Services — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const [services, bookings] = await Promise.all([listCreatorServices(env, viewer.id), creatorBookings(env, viewer)]);
  return { services, ...bookings };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  return handleForm(async () => {
    if (form.get("intent") === "record-time") {
      await recordLinkModeTime(context.cloudflare.env, viewer, String(form.get("bookingId") ?? ""), String(form.get("meetingAt") ?? ""));
      return { ok: true as const, message: "Time recorded. It's blocked on your calendar, so nobody can book over it here." };
    }
    if (form.get("intent") === "deliver") {
      await markDelivered(
        context.cloudflare.env,
        viewer,
        String(form.get("bookingId") ?? ""),
        String(form.get("deliveryUrl") ?? ""),
        String(form.get("deliveryNote") ?? ""),
      );
      return { ok: true as const, message: "Marked delivered. We've emailed the buyer; they see it in their library." };
    }
    const r = await cancelBooking(context.cloudflare.env, viewer, String(form.get("bookingId") ?? ""));
    return {
      ok: true as const,
      message: r.refunded ? "Canceled and refunded in full. We've emailed the buyer." : "Canceled. We've emailed the buyer.",
    };
  });
}

type B = ReturnType<typeof useLoaderData<typeof loader>>["upcoming"][number];

function BookingRow({ b }: { b: B }) {
  return (
    <li className="py-3 text-sm" data-testid="creator-booking">
      <div className="flex flex-wrap justify-between gap-2">
        <span className="font-medium text-slate-900">{b.title}</span>
        <span className="text-slate-600">{b.gross > 0 ? formatMoney(b.gross, b.currency) : b.fromPack ? "pack" : "free"}</span>
      </div>
      <p className="text-slate-700">
        {b.when ?? (b.due ? `Due ${b.due}` : "")}
        {b.overdue ? (
          <span className="ml-2 rounded-full bg-rose-100 px-2 py-0.5 text-xs font-semibold text-rose-800" data-testid="overdue">
            Overdue
          </span>
        ) : null}
      </p>
      {b.status !== "confirmed" ? <p className="text-xs text-slate-500">{b.status}</p> : null}
      {b.needsTime ? (
        <Form method="post" className="mt-2 flex flex-wrap items-end gap-2 text-xs" data-testid="record-time">
          <input type="hidden" name="intent" value="record-time" />
          <input type="hidden" name="bookingId" value={b.id} />
          <label>
            <span className="block font-medium text-slate-700">Time they picked on your scheduling page (your zone)</span>
            <input name="meetingAt" type="datetime-local" required className="mt-1 rounded-md border border-slate-300 px-2 py-1" />
          </label>
          <button type="submit" className="rounded-md bg-brand-600 px-2 py-1.5 font-semibold text-white hover:bg-brand-700">
            Record and block it
          </button>
        </Form>
      ) : null}
      {b.deliverable ? (
        <Form method="post" className="mt-2 flex flex-wrap items-end gap-2 text-xs">
          <input type="hidden" name="intent" value="deliver" />
          <input type="hidden" name="bookingId" value={b.id} />
          <label className="flex-1">
            <span className="block font-medium text-slate-700">Delivery link (optional)</span>
            <input
              name="deliveryUrl"
              type="url"
              placeholder="https://"
              className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1"
            />
          </label>
          <label className="basis-full">
            <span className="block font-medium text-slate-700">Note to the buyer (optional)</span>
            <textarea name="deliveryNote" rows={2} maxLength={2000} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1" />
          </label>
          <button type="submit" className="rounded-md bg-emerald-600 px-2 py-1.5 font-semibold text-white hover:bg-emerald-700">
            Mark delivered
          </button>
        </Form>
      ) : null}
      {b.canCancel ? (
        <div className="mt-1 flex gap-4 text-xs">
          {b.moveUrl ? (
            <Link to={b.moveUrl} className="font-medium text-brand-700 hover:underline">
              Move
            </Link>
          ) : null}
          <Form method="post">
            <input type="hidden" name="bookingId" value={b.id} />
            <button type="submit" className="font-medium text-rose-700 hover:underline">
              Cancel and refund
            </button>
          </Form>
        </div>
      ) : null}
      {b.answers.length ? (
        <dl className="mt-1 grid gap-x-3 text-xs text-slate-600 sm:grid-cols-[auto_1fr]">
          {b.answers.map((a, i) => (
            <div key={i} className="contents">
              <dt className="font-medium">{a.label}</dt>
              <dd className="whitespace-pre-wrap">{a.answer}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </li>
  );
}

export default function DashboardServices() {
  const { services, upcoming, past, zone } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">Services</h1>
        <div className="flex gap-2">
          <Link
            to="/dashboard/availability"
            className="rounded-lg bg-white px-3 py-2 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Availability
          </Link>
          <Link
            to="/dashboard/services/new"
            className="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white hover:bg-brand-700"
          >
            New service
          </Link>
        </div>
      </div>
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      <section aria-labelledby="svc-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="svc-h" className="font-semibold">
          Your services
        </h2>
        {services.length ? (
          <ul className="mt-2 divide-y divide-slate-100">
            {services.map((s) => (
              <li key={s.id} className="flex items-center justify-between gap-3 py-2.5">
                <div className="min-w-0">
                  <Link to={`/dashboard/services/${s.id}`} className="block truncate font-medium text-slate-900 hover:text-brand-700">
                    {s.title}
                  </Link>
                  <p className="text-xs text-slate-500">
                    {s.pricingLabel} · {s.price} · {s.duration}
                  </p>
                </div>
                <StatusBadge status={s.status} />
              </li>
            ))}
          </ul>
        ) : (
          <div className="mt-3">
            <EmptyState icon="calendar" title="No services yet">
              Offer office hours, mentoring, code reviews or a fixed-price audit.
            </EmptyState>
          </div>
        )}
      </section>
      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="up-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="up-h" className="font-semibold">
            Upcoming bookings <span className="text-xs font-normal text-slate-500">({zone})</span>
          </h2>
          {upcoming.length ? (
            <ul className="divide-y divide-slate-100">
              {upcoming.map((b) => (
                <BookingRow key={b.id} b={b} />
              ))}
            </ul>
          ) : (
            <p className="mt-2 text-sm text-slate-600">Nothing booked yet.</p>
          )}
        </section>
        <section aria-labelledby="past-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="past-h" className="font-semibold">
            Past and canceled
          </h2>
          {past.length ? (
            <ul className="divide-y divide-slate-100">
              {past.map((b) => (
                <BookingRow key={b.id} b={b} />
              ))}
            </ul>
          ) : (
            <p className="mt-2 text-sm text-slate-600">None yet.</p>
          )}
        </section>
      </div>
    </div>
  );
}
