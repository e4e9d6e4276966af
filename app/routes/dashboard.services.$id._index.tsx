import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator, useSearchParams } from "@remix-run/react";
import { StatusBadge } from "~/components/money/earnings-chart";
import { ImageUpload } from "~/components/image-upload";
import { ServiceForm } from "~/components/services/service-form";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { IMAGE_LIMITS } from "~/lib/upload-limits";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { getServiceForEditing, setServiceStatus, updateService } from "~/modules/services/service.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.service.title ?? "Service"} — edit — All Thrive` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => getServiceForEditing(context.cloudflare.env, viewer, params.id ?? ""));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const id = params.id ?? "";
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    switch (form.intent) {
      case "publish":
        await setServiceStatus(env, viewer, id, "published");
        return { ok: true as const, message: "Published. It's on your storefront now." };
      case "unpublish":
        await setServiceStatus(env, viewer, id, "draft");
        return { ok: true as const, message: "Moved back to drafts." };
      default:
        await updateService(env, viewer, id, form);
        return { ok: true as const, message: "Saved." };
    }
  });
}

export default function EditService() {
  const { service, values, handle, hasAvailability } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  const revalidator = useRevalidator();
  const [params] = useSearchParams();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <Link to="/dashboard/services" className="inline-block text-sm text-brand-700 hover:underline">
        ← Services
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="min-w-0">
          <h1 className="truncate text-2xl font-bold tracking-tight">{service.title}</h1>
          <p className="text-sm text-slate-600">
            {service.pricingLabel} · {service.price} · {service.duration} · <StatusBadge status={service.status} />
          </p>
        </div>
        <div className="flex gap-2">
          <Link
            to={`/@${handle}/services/${service.slug}`}
            className="rounded-lg bg-white px-3 py-2 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            View page
          </Link>
          <Form method="post">
            <input type="hidden" name="intent" value={service.status === "published" ? "unpublish" : "publish"} />
            <Button type="submit" variant={service.status === "published" ? "secondary" : "primary"} disabled={busy}>
              {service.status === "published" ? "Unpublish" : "Publish"}
            </Button>
          </Form>
        </div>
      </div>
      {params.get("created") ? <FormSuccess message="Draft created. Add a cover if you like, then publish." /> : null}
      {!hasAvailability && service.pricing !== "fixed_package" ? (
        <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950">
          Buyers pick a time from your availability.{" "}
          <Link to="/dashboard/availability" className="font-semibold underline">
            Set your availability
          </Link>{" "}
          before you publish.
        </div>
      ) : null}
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}

      <section aria-labelledby="cover-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="cover-h" className="text-lg font-semibold">
          Cover image
        </h2>
        {params.get("fileError") ? (
          <div className="mt-3">
            <FormError message={params.get("fileError")} />
          </div>
        ) : null}
        <div className="mt-3 flex flex-wrap items-start gap-4">
          {service.coverUrl ? (
            <img src={service.coverUrl} alt="" className="h-24 w-40 rounded-lg object-cover ring-1 ring-slate-200" />
          ) : (
            <div className="h-24 w-40 rounded-lg bg-gradient-to-br from-brand-100 to-sky-100" aria-hidden="true" />
          )}
          <div className="flex-1">
            <ImageUpload
              maxBytes={IMAGE_LIMITS.cover}
              action={`/dashboard/services/${service.id}/cover`}
              fieldName="cover"
              label="Upload a cover"
              hint="PNG, JPEG, WebP or GIF, up to 5 MB."
              onUploaded={() => revalidator.revalidate()}
            />
          </div>
        </div>
      </section>

      <section aria-labelledby="details-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="details-h" className="mb-4 text-lg font-semibold">
          Details
        </h2>
        <ServiceForm defaults={values} errors={errors} busy={busy} submitLabel="Save changes" />
      </section>
    </div>
  );
}
