import { Form } from "@remix-run/react";
import { Button, Field, FormError, TextArea } from "~/components/ui/form";

const TYPES = [
  ["course", "Course"],
  ["template", "Template"],
  ["prompt_pack", "Prompt pack"],
  ["ebook", "Ebook"],
  ["other", "Other"],
] as const;
const CURRENCIES = ["usd", "eur", "gbp", "cad", "aud", "jpy"];

export type ProductDefaults = {
  type?: string;
  title?: string;
  slug?: string;
  description?: string;
  priceInput?: string;
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
      <div className="grid grid-cols-3 gap-3">
        <Field
          className="col-span-2"
          label="Price"
          name="price"
          inputMode="decimal"
          required
          defaultValue={defaults.priceInput}
          error={errors.price}
          hint="From 1.00 to 10,000.00 (JPY: ¥50 to ¥10,000)."
        />
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
      <Button type="submit" disabled={busy}>
        {busy ? "Saving…" : submitLabel}
      </Button>
    </Form>
  );
}
