import { Form } from "@remix-run/react";
import { useState } from "react";
import { Button, Field, FormError, TextArea } from "~/components/ui/form";

export type TierDefaults = {
  name?: string;
  description?: string;
  benefits?: string[];
  pricing?: string;
  currency?: string;
  monthlyInput?: string;
  annualInput?: string;
  minimum?: { input: string } | null;
  maxSubscribers?: number | null;
};

export function TierForm({
  defaults = {},
  errors = {},
  formError,
  busy,
  submitLabel,
  draftId,
}: {
  defaults?: TierDefaults;
  errors?: Record<string, string>;
  formError?: string | null;
  busy: boolean;
  submitLabel: string;
  draftId?: string;
}) {
  const [pricing, setPricing] = useState(defaults.pricing ?? "fixed");
  return (
    <Form method="post" className="space-y-4" noValidate>
      <input type="hidden" name="intent" value="save" />
      {draftId ? <input type="hidden" name="draftId" value={draftId} /> : null}
      <FormError message={formError} />
      <Field label="Name" name="name" required defaultValue={defaults.name} error={errors.name} />
      <TextArea label="Description" name="description" rows={3} defaultValue={defaults.description} error={errors.description} />
      <TextArea
        label="Benefits (one per line)"
        name="benefits"
        rows={4}
        defaultValue={(defaults.benefits ?? []).join("\n")}
        error={errors.benefits}
      />
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">How members pay</legend>
        <div className="mt-2 flex flex-wrap gap-4 text-sm">
          {[
            ["fixed", "Fixed price"],
            ["pwyw", "Pay what you want"],
            ["free", "Free"],
          ].map(([v, l]) => (
            <label key={v} className="inline-flex items-center gap-2">
              <input type="radio" name="pricing" value={v} checked={pricing === v} onChange={() => setPricing(v)} /> {l}
            </label>
          ))}
        </div>
      </fieldset>
      {pricing !== "free" ? (
        <div className="grid gap-3 sm:grid-cols-3">
          {pricing === "fixed" ? (
            <>
              <Field
                label="Monthly price"
                name="monthly"
                inputMode="decimal"
                defaultValue={defaults.monthlyInput}
                error={errors.monthly}
                hint="Leave empty for annual only."
              />
              <Field
                label="Annual price"
                name="annual"
                inputMode="decimal"
                defaultValue={defaults.annualInput}
                error={errors.annual}
                hint="Leave empty for monthly only."
              />
            </>
          ) : (
            <Field
              className="sm:col-span-2"
              label="Minimum per month"
              name="minimum"
              inputMode="decimal"
              defaultValue={defaults.minimum?.input}
              error={errors.minimum}
            />
          )}
          <div>
            <label htmlFor="tier-currency" className="block text-sm font-medium text-slate-800">
              Currency
            </label>
            <select
              id="tier-currency"
              name="currency"
              defaultValue={defaults.currency ?? "usd"}
              className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 shadow-sm"
            >
              {["usd", "eur", "gbp", "cad", "aud", "jpy"].map((c) => (
                <option key={c} value={c}>
                  {c.toUpperCase()}
                </option>
              ))}
            </select>
          </div>
        </div>
      ) : (
        <input type="hidden" name="currency" value={defaults.currency ?? "usd"} />
      )}
      <Field
        label="Maximum members (optional)"
        name="maxSubscribers"
        inputMode="numeric"
        defaultValue={defaults.maxSubscribers ?? ""}
        error={errors.maxSubscribers}
        hint="Leave empty for unlimited. When full, people can join a waitlist."
      />
      <Button type="submit" disabled={busy}>
        {busy ? "Saving…" : submitLabel}
      </Button>
    </Form>
  );
}
