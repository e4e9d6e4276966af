import { Form } from "@remix-run/react";
import { useState } from "react";
import { Button, Field, FormError, TextArea } from "~/components/ui/form";

const CURRENCIES = ["usd", "eur", "gbp", "cad", "aud", "jpy"];
const PRICINGS = [
  ["per_session", "Per session", "One price for one session."],
  ["hourly", "Hourly", "Buyers choose how many hours."],
  ["fixed_package", "Fixed package", "A deliverable with a due date, no calendar slot."],
  ["pack", "Session pack", "Several sessions at a package price."],
] as const;
const LOCATIONS = [
  ["video", "Video call"],
  ["phone", "Phone"],
  ["in_person", "In person"],
  ["after_booking", "Sent after booking"],
] as const;
const QUESTION_ROWS = 5;

const selectClass =
  "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none";

/** The create/edit form of a service. Works without JavaScript (every field is always posted). */
export function ServiceForm({
  defaults = {},
  errors = {},
  formError,
  busy,
  submitLabel,
}: {
  defaults?: Record<string, string>;
  errors?: Record<string, string>;
  formError?: string | null;
  busy: boolean;
  submitLabel: string;
}) {
  const [pricing, setPricing] = useState(defaults.pricing ?? "per_session");
  const [location, setLocation] = useState(defaults.locationKind ?? "video");
  const d = (k: string) => defaults[k] ?? "";
  return (
    <Form method="post" className="space-y-5" noValidate>
      <FormError message={formError} />
      <Field label="Title" name="title" required defaultValue={d("title")} error={errors.title} placeholder="30-minute office hour" />
      <Field
        label="Web address"
        name="slug"
        required
        defaultValue={d("slug")}
        error={errors.slug}
        hint="Lowercase letters, digits and hyphens: /@you/services/this-part"
      />
      <TextArea label="Description (Markdown)" name="description" rows={5} defaultValue={d("description")} error={errors.description} />

      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Pricing</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {PRICINGS.map(([value, label, hint]) => (
            <label
              key={value}
              className={`flex cursor-pointer gap-2 rounded-lg border p-3 text-sm ${pricing === value ? "border-brand-500 bg-brand-50" : "border-slate-200"}`}
            >
              <input type="radio" name="pricing" value={value} checked={pricing === value} onChange={() => setPricing(value)} />
              <span>
                <span className="font-medium">{label}</span>
                <span className="block text-slate-500">{hint}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.pricing ? <p className="mt-1 text-sm text-red-700">{errors.pricing}</p> : null}
      </fieldset>

      <div className="grid gap-4 sm:grid-cols-3">
        <Field
          label={pricing === "hourly" ? "Hourly rate" : pricing === "pack" ? "Pack price" : "Price"}
          name="price"
          inputMode="decimal"
          defaultValue={d("price")}
          error={errors.price}
          hint={pricing === "per_session" ? "0 makes it free (no payment needed)." : undefined}
        />
        <div>
          <label htmlFor="svc-currency" className="block text-sm font-medium text-slate-800">
            Currency
          </label>
          <select id="svc-currency" name="currency" defaultValue={d("currency") || "usd"} className={selectClass}>
            {CURRENCIES.map((c) => (
              <option key={c} value={c}>
                {c.toUpperCase()}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={pricing === "hourly" ? "Shortest booking (minutes)" : "Session length (minutes)"}
          name="durationMinutes"
          inputMode="numeric"
          defaultValue={d("durationMinutes") || "30"}
          error={errors.durationMinutes}
          hint="15–480"
        />
      </div>

      {/* Every kind's own fields are always in the form (no JavaScript needed); only the chosen kind's are read. */}
      <div className={`grid gap-4 sm:grid-cols-2 ${pricing === "hourly" ? "" : "hidden"}`}>
        <Field
          label="Most hours per booking"
          name="maxHours"
          inputMode="numeric"
          defaultValue={d("maxHours") || "3"}
          error={errors.maxHours}
        />
        <Field
          label="Step between lengths (minutes)"
          name="hourStepMinutes"
          inputMode="numeric"
          defaultValue={d("hourStepMinutes") || "60"}
          error={errors.hourStepMinutes}
          hint="15, 30 or 60"
        />
      </div>
      <div className={pricing === "fixed_package" ? "" : "hidden"}>
        <Field
          label="Delivery time (days)"
          name="deliveryDays"
          inputMode="numeric"
          defaultValue={d("deliveryDays") || "5"}
          error={errors.deliveryDays}
        />
      </div>
      <div className={`grid gap-4 sm:grid-cols-2 ${pricing === "pack" ? "" : "hidden"}`}>
        <Field
          label="Sessions in the pack"
          name="packSessions"
          inputMode="numeric"
          defaultValue={d("packSessions") || "3"}
          error={errors.packSessions}
        />
        <Field
          label="Unused sessions expire after (days)"
          name="packExpiryDays"
          inputMode="numeric"
          defaultValue={d("packExpiryDays") || "90"}
          error={errors.packExpiryDays}
        />
      </div>

      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="svc-location" className="block text-sm font-medium text-slate-800">
            Where
          </label>
          <select
            id="svc-location"
            name="locationKind"
            value={location}
            onChange={(e) => setLocation(e.target.value)}
            className={selectClass}
          >
            {LOCATIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={location === "in_person" ? "Address" : location === "phone" ? "Phone number (optional)" : "Video link (optional)"}
          name="locationDetail"
          defaultValue={d("locationDetail")}
          error={errors.locationDetail}
          hint={location === "video" ? "Leave empty to send a link per booking." : location === "after_booking" ? "Not needed." : undefined}
        />
      </div>

      <div className={pricing === "per_session" ? "" : "hidden"}>
        <Field
          label="Calendly or Cal.com link (optional)"
          name="schedulingUrl"
          type="url"
          defaultValue={d("schedulingUrl")}
          error={errors.schedulingUrl}
          hint="Instead of your availability here: buyers pay, then pick a time on your own Calendly / Cal.com page. Nothing is synced back."
        />
      </div>

      <fieldset className="space-y-3">
        <legend className="text-sm font-medium text-slate-800">Intake questions (optional)</legend>
        <p className="text-xs text-slate-500">Buyers answer these when they book. Choices: separate with commas.</p>
        {Array.from({ length: QUESTION_ROWS }, (_, i) => (
          <div key={i} className="grid gap-2 rounded-lg border border-slate-200 p-3 sm:grid-cols-[2fr_1fr_auto]">
            <Field label={`Question ${i + 1}`} name={`q${i}Label`} defaultValue={d(`q${i}Label`)} error={errors[`q${i}Label`]} />
            <div>
              <label htmlFor={`q${i}-kind`} className="block text-sm font-medium text-slate-800">
                Answer type
              </label>
              <select id={`q${i}-kind`} name={`q${i}Kind`} defaultValue={d(`q${i}Kind`) || "short"} className={selectClass}>
                <option value="short">Short text</option>
                <option value="long">Long text</option>
                <option value="choice">Choice</option>
              </select>
            </div>
            <label className="flex items-end gap-2 pb-2 text-sm">
              <input type="checkbox" name={`q${i}Required`} defaultChecked={d(`q${i}Required`) === "on"} /> Required
            </label>
            <Field
              className="sm:col-span-3"
              label="Choices (for a choice question)"
              name={`q${i}Choices`}
              defaultValue={d(`q${i}Choices`)}
              error={errors[`q${i}Choices`]}
            />
          </div>
        ))}
      </fieldset>

      <Button type="submit" disabled={busy}>
        {submitLabel}
      </Button>
    </Form>
  );
}
