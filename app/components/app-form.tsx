import { Form, useNavigation } from "@remix-run/react";
import { Button, Field, FormError, TextArea } from "~/components/ui/form";

export type AppFormValues = {
  name: string;
  slug: string;
  tagline: string;
  description: string;
  appUrl: string;
  demoVideoUrl: string;
  category: string;
  techStack: string;
  status: "beta" | "live" | "coming_soon";
};

type Props = {
  intent: string;
  values?: Partial<AppFormValues>;
  categories: { slug: string; name: string }[];
  errors: Record<string, string>;
  formError?: string | null;
  submitLabel: string;
};

const selectCls =
  "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none";

/** The register / edit form for an app (plain form; works without JavaScript). */
export function AppForm({ intent, values = {}, categories, errors, formError, submitLabel }: Props) {
  const busy = useNavigation().state === "submitting";
  return (
    <Form method="post" className="space-y-4" noValidate>
      <input type="hidden" name="intent" value={intent} />
      <FormError message={formError} />
      <Field label="Name" name="name" required maxLength={60} defaultValue={values.name} error={errors.name} />
      <Field
        label="Address"
        name="slug"
        defaultValue={values.slug}
        placeholder="made from the name if left empty"
        hint="allthrive.app/apps/… — lowercase letters, digits and hyphens."
        error={errors.slug}
      />
      <Field
        label="Tagline"
        name="tagline"
        maxLength={120}
        defaultValue={values.tagline}
        hint="One line, up to 120 characters."
        error={errors.tagline}
      />
      <TextArea
        label="Description"
        name="description"
        rows={6}
        defaultValue={values.description}
        hint="Markdown works: **bold**, lists, [links](https://example.com)."
        error={errors.description}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="App URL"
          name="appUrl"
          type="url"
          required
          placeholder="https://"
          defaultValue={values.appUrl}
          error={errors.appUrl}
        />
        <Field
          label="Demo video (YouTube, Loom or Vimeo)"
          name="demoVideoUrl"
          type="url"
          placeholder="https://youtu.be/…"
          defaultValue={values.demoVideoUrl}
          error={errors.demoVideoUrl}
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="app-category" className="block text-sm font-medium text-slate-800">
            Category
          </label>
          <select
            id="app-category"
            name="category"
            defaultValue={values.category ?? ""}
            className={selectCls}
            aria-invalid={errors.category ? true : undefined}
            aria-describedby={errors.category ? "app-category-error" : undefined}
          >
            <option value="" disabled>
              Choose…
            </option>
            {categories.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
          {errors.category ? (
            <p id="app-category-error" role="alert" className="mt-1 text-sm text-red-700">
              {errors.category}
            </p>
          ) : null}
        </div>
        <div>
          <label htmlFor="app-status" className="block text-sm font-medium text-slate-800">
            Status
          </label>
          <select id="app-status" name="status" defaultValue={values.status ?? "live"} className={selectCls}>
            <option value="live">Live</option>
            <option value="beta">Beta</option>
            <option value="coming_soon">Coming soon</option>
          </select>
        </div>
      </div>
      <Field
        label="Tech stack"
        name="techStack"
        defaultValue={values.techStack}
        placeholder="OpenAI, Claude, Python, React"
        hint="Up to 12, separated by commas."
        error={errors.techStack}
      />
      <Button type="submit" disabled={busy}>
        {busy ? "Saving…" : submitLabel}
      </Button>
    </Form>
  );
}
