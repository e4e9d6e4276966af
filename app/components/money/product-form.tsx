import { Form } from "@remix-run/react";
import { useState } from "react";
import { Button, Field, FormError, TextArea } from "~/components/ui/form";

const TYPES = [
  ["course", "Course"],
  ["template", "Template"],
  ["prompt_pack", "Prompt pack"],
  ["ebook", "Ebook"],
  ["other", "Other"],
] as const;
const CURRENCIES = ["usd", "eur", "gbp", "cad", "aud", "jpy"];
const PRICINGS = [
  ["fixed", "Fixed price"],
  ["pwyw", "Pay what you want"],
  ["free", "Free"],
] as const;

export type ProductDefaults = {
  type?: string;
  title?: string;
  slug?: string;
  description?: string;
  priceInput?: string;
  minimumInput?: string;
  pricing?: string;
  currency?: string;
};

export function ProductForm({
  defaults = {},
  errors = {},
  formError,
  busy,
  submitLabel,
}: {
  defaults?: ProductDefaults;
  errors?: Record<string, string>;
  formError?: string | null;
  busy: boolean;
  submitLabel: string;
}) {
  const [pricing, setPricing] = useState(defaults.pricing ?? "fixed");
  return (
    <Form method="post" className="space-y-4" noValidate>
      <input type="hidden" name="intent" value="save" />
      <FormError message={formError} />
      <div>
        <label htmlFor="type" className="block text-sm font-medium text-slate-800">
          Type
        </label>
        <select
          id="type"
          name="type"
          defaultValue={defaults.type ?? "template"}
          className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 shadow-sm"
        >
          {TYPES.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </div>
      <Field label="Title" name="title" required defaultValue={defaults.title} error={errors.title} />
      <Field
        label="Web address"
        name="slug"
        required
        defaultValue={defaults.slug}
        error={errors.slug}
        hint="Lowercase letters, digits and hyphens — e.g. support-bot-prompts."
      />
      <TextArea
        label="Description"
        name="description"
        rows={6}
        defaultValue={defaults.description}
        error={errors.description}
        hint="Markdown works."
      />
      <fieldset>
        <legend className="block text-sm font-medium text-slate-800">Pricing</legend>
        <div className="mt-1 flex flex-wrap gap-4 text-sm">
          {PRICINGS.map(([v, l]) => (
            <label key={v} className="inline-flex items-center gap-2">
              <input type="radio" name="pricing" value={v} checked={pricing === v} onChange={() => setPricing(v)} />
              {l}
            </label>
          ))}
        </div>
        {errors.pricing ? <p className="mt-1 text-sm text-red-700">{errors.pricing}</p> : null}
      </fieldset>
      <div className="grid grid-cols-3 gap-3">
        {pricing === "free" ? (
          <p className="col-span-2 self-end text-sm text-slate-600">Buyers get it for $0 — no card, straight to their library.</p>
        ) : (
          <Field
            className="col-span-2"
            label={pricing === "pwyw" ? "Suggested price" : "Price"}
            name="price"
            inputMode="decimal"
            required
            defaultValue={defaults.priceInput}
            error={errors.price}
            hint={pricing === "pwyw" ? "Shown first, prefilled for buyers." : "From 1.00 to 10,000.00 (JPY: ¥50 to ¥10,000)."}
          />
        )}
        <div>
          <label htmlFor="currency" className="block text-sm font-medium text-slate-800">
            Currency
          </label>
          <select
            id="currency"
            name="currency"
            defaultValue={defaults.currency ?? "usd"}
            className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 shadow-sm"
          >
            {CURRENCIES.map((c) => (
              <option key={c} value={c}>
                {c.toUpperCase()}
              </option>
            ))}
          </select>
        </div>
      </div>
      {pricing === "pwyw" ? (
        <Field
          label="Minimum price"
          name="minimum"
          inputMode="decimal"
          defaultValue={defaults.minimumInput ?? "0"}
          error={errors.minimum}
          hint="0 lets people take it free; anything above zero must be at least 1.00 (JPY: ¥50)."
        />
      ) : null}
      <Button type="submit" disabled={busy}>
        {busy ? "Saving…" : submitLabel}
      </Button>
    </Form>
  );
}
