import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect } from "react";
import { Button, Field, FormError, FormSuccess, TextArea } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { getAvailabilityForEditing, saveAvailability } from "~/modules/services/service.server";
import { WEEKDAY_NAMES } from "~/modules/services/validation";

export const meta: MetaFunction = () => [{ title: "Availability — All Thrive" }];

const ZONES = [
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Berlin",
  "Europe/Paris",
  "Africa/Lagos",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Australia/Sydney",
  "UTC",
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => getAvailabilityForEditing(context.cloudflare.env, viewer));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    await saveAvailability(context.cloudflare.env, viewer, form);
    return { ok: true as const, message: "Availability saved. Buyers see the new times right away." };
  });
}

export default function Availability() {
  const { values, saved } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  // First visit: suggest this browser's own zone (the server can't know it).
  useEffect(() => {
    const zone = document.querySelector<HTMLInputElement>('input[name="timeZone"]');
    if (!saved && zone && zone.value === "UTC") zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }, [saved]);
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <Link to="/dashboard/services" className="inline-block text-sm text-brand-700 hover:underline">
        ← Services
      </Link>
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight">Availability</h1>
        <p className="mt-1 text-sm text-slate-600">
          When buyers can book you, for every service you offer. Visitors see these times in their own time zone.
        </p>
        <p className="mt-2 text-xs text-slate-500">
          Calendly / Cal.com services: we can&apos;t see the times buyers pick there. Record each one on{" "}
          <Link to="/dashboard/services" className="text-brand-700 hover:underline">
            your bookings
          </Link>{" "}
          and it blocks this calendar too, so nobody books over it here.
        </p>
        <div className="mt-4 space-y-3">
          {result && "message" in result ? <FormSuccess message={result.message} /> : null}
          {result && "formError" in result ? <FormError message={result.formError} /> : null}
        </div>
        <Form method="post" className="mt-6 space-y-6" noValidate>
          <div>
            <Field
              label="Your time zone"
              name="timeZone"
              list="zones"
              defaultValue={values.timeZone}
              error={errors.timeZone}
              hint="An IANA name, e.g. America/New_York or Asia/Kolkata."
            />
            <datalist id="zones">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </div>
          <fieldset className="space-y-3">
            <legend className="text-sm font-medium text-slate-800">Weekly hours</legend>
            <p className="text-xs text-slate-500">Like 09:00-12:00, 13:00-17:00. Leave a day empty when you don't take bookings.</p>
            {WEEKDAY_NAMES.map((name, i) => (
              <Field
                key={name}
                label={name}
                name={`day${i}`}
                defaultValue={values[`day${i}`]}
                error={errors[`day${i}`]}
                placeholder="Not available"
              />
            ))}
          </fieldset>
          <TextArea
            label="Date overrides and days off"
            name="overrides"
            rows={4}
            defaultValue={values.overrides}
            error={errors.overrides}
            hint={'One date per line: "2026-12-24 off" or "2026-12-28 10:00-14:00".'}
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              label="Minimum notice (minutes)"
              name="minNoticeMinutes"
              inputMode="numeric"
              defaultValue={values.minNoticeMinutes}
              error={errors.minNoticeMinutes}
            />
            <Field
              label="Booking horizon (days ahead)"
              name="horizonDays"
              inputMode="numeric"
              defaultValue={values.horizonDays}
              error={errors.horizonDays}
            />
            <Field
              label="Buffer before (minutes)"
              name="bufferBeforeMinutes"
              inputMode="numeric"
              defaultValue={values.bufferBeforeMinutes}
              error={errors.bufferBeforeMinutes}
            />
            <Field
              label="Buffer after (minutes)"
              name="bufferAfterMinutes"
              inputMode="numeric"
              defaultValue={values.bufferAfterMinutes}
              error={errors.bufferAfterMinutes}
            />
            <Field
              label="Most bookings per day"
              name="dailyMax"
              inputMode="numeric"
              defaultValue={values.dailyMax}
              error={errors.dailyMax}
              hint="Empty: no limit."
            />
            <Field
              label="Free cancellation window (hours)"
              name="changeWindowHours"
              inputMode="numeric"
              defaultValue={values.changeWindowHours}
              error={errors.changeWindowHours}
              hint="Buyers may cancel with a refund or move a booking until this long before it starts (0–720). Shown before they pay."
            />
          </div>
          <Button type="submit" disabled={busy}>
            Save availability
          </Button>
        </Form>
      </div>
    </div>
  );
}
