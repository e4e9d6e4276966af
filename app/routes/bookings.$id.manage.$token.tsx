import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useParams, useSearchParams } from "@remix-run/react";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { formToObject } from "~/lib/validation";
import { policySentence } from "~/modules/services/policy";
import { cancelManagedBooking, managedBooking, rescheduleManagedBooking } from "~/modules/services/guest-booking.server";

/**
 * A guest's booking, through the signed link in their emails (D131): see it, add it to a calendar,
 * cancel or move it under the creator's policy. No account needed; a wrong or forged link is a 404.
 */
export const headers = () => ({ "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer" });

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.title} — your booking — All Thrive` : "Booking — All Thrive" },
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "no-referrer" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return orRespond(() => managedBooking(context.cloudflare.env, params.id, params.token, new URL(request.url).searchParams.get("tz")));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = formToObject(await request.formData());
  const env = context.cloudflare.env;
  return handleForm(async () => {
    if (form.intent === "reschedule") {
      await rescheduleManagedBooking(env, params.id, params.token, String(form.start ?? ""));
      return { ok: true as const, message: "Moved. We've emailed you the new time and an updated calendar file." };
    }
    const r = await cancelManagedBooking(env, params.id, params.token);
    return {
      ok: true as const,
      message: r.refunded
        ? "Canceled. Your payment is refunded in full (banks usually take 5–10 days to show it)."
        : "Canceled. The time is free again.",
    };
  });
}

const statusLabel: Record<string, string> = {
  confirmed: "Confirmed",
  canceled: "Canceled",
  refunded: "Refunded",
  delivered: "Delivered",
  pending: "Waiting for payment",
  expired: "Not completed",
};

export default function ManageGuestBooking() {
  const b = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [params] = useSearchParams();
  const route = useParams();
  const icsHref = `/bookings/${encodeURIComponent(route.id ?? "")}/manage/${encodeURIComponent(route.token ?? "")}/ics`;
  return (
    <div className="mx-auto max-w-xl space-y-6">
      {params.get("booked") ? (
        <FormSuccess
          message={`You're booked. We've emailed the confirmation and calendar file to you — keep that email: its link brings you back here.`}
        />
      ) : null}
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      <section className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="booking-title">
        <p className="text-sm font-medium text-brand-700" data-testid="booking-status">
          {statusLabel[b.status] ?? b.status}
        </p>
        <h1 id="booking-title" className="mt-1 text-2xl font-bold tracking-tight text-slate-900">
          {b.title}
        </h1>
        <p className="mt-1 text-slate-600">
          with{" "}
          <Link className="font-medium text-slate-900 hover:underline" to={`/@${b.creator.handle}`}>
            {b.creator.displayName}
          </Link>
        </p>
        <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
          {b.when ? (
            <>
              <dt className="text-slate-500">When</dt>
              <dd className="text-slate-900" data-testid="booking-when">
                {b.when}
              </dd>
            </>
          ) : null}
          {b.name ? (
            <>
              <dt className="text-slate-500">Name</dt>
              <dd className="text-slate-900">{b.name}</dd>
            </>
          ) : null}
          {b.gross > 0 ? (
            <>
              <dt className="text-slate-500">Paid</dt>
              <dd className="text-slate-900">{formatMoney(b.gross, b.currency)}</dd>
            </>
          ) : null}
          {b.answers.map((a) => (
            <div key={a.label} className="contents">
              <dt className="text-slate-500">{a.label}</dt>
              <dd className="whitespace-pre-wrap text-slate-900">{a.answer}</dd>
            </div>
          ))}
        </dl>
        {b.calendarLinks ? (
          <p className="mt-4 flex flex-wrap gap-4 text-sm">
            <a className="font-medium text-brand-700 hover:underline" href={icsHref} download>
              Download .ics
            </a>
            <a href={b.calendarLinks.google} target="_blank" rel="noreferrer" className="text-brand-700 hover:underline">
              Add to Google
            </a>
            <a href={b.calendarLinks.outlook} target="_blank" rel="noreferrer" className="text-brand-700 hover:underline">
              Add to Outlook
            </a>
          </p>
        ) : null}
      </section>

      {b.canCancel ? (
        <section className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" aria-labelledby="change-title">
          <h2 id="change-title" className="text-lg font-semibold text-slate-900">
            Change or cancel
          </h2>
          <p className="mt-1 text-sm text-slate-600">{policySentence(b.windowHours)}</p>
          {b.freeChange && b.days.length ? (
            <Form method="post" className="mt-4 space-y-3">
              <input type="hidden" name="intent" value="reschedule" />
              <label htmlFor="new-start" className="block text-sm font-medium text-slate-800">
                Move to (times in {b.zone})
              </label>
              <select
                id="new-start"
                name="start"
                required
                defaultValue=""
                className="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none"
              >
                <option value="">Choose a new time…</option>
                {b.days.map((day) => (
                  <optgroup key={day.key} label={day.label}>
                    {day.slots.map((s) => (
                      <option key={s.iso} value={s.iso}>
                        {day.label} · {s.label}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
              <Button type="submit" variant="secondary" disabled={busy}>
                Move my booking
              </Button>
            </Form>
          ) : null}
          <Form method="post" className="mt-4">
            <input type="hidden" name="intent" value="cancel" />
            <Button type="submit" variant="secondary" disabled={busy}>
              {b.freeChange && b.gross > 0 ? "Cancel and get a full refund" : "Cancel this booking"}
            </Button>
          </Form>
        </section>
      ) : b.status === "canceled" || b.status === "refunded" ? (
        <p className="text-sm text-slate-600">
          <Link className="font-medium text-brand-700 hover:underline" to={b.serviceUrl}>
            Book another time
          </Link>
        </p>
      ) : null}

      <p className="text-sm text-slate-600">
        Want all your bookings and purchases in one place? Use the “set a password” link in your confirmation email, or{" "}
        <Link className="font-medium text-brand-700 hover:underline" to="/login?redirectTo=%2Flibrary%2Fbookings">
          sign in
        </Link>{" "}
        with the email you booked with.
      </p>
    </div>
  );
}
