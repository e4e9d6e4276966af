import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Link, useActionData, useNavigation } from "@remix-run/react";
import { ServiceForm } from "~/components/services/service-form";
import { VerifyEmailNotice } from "~/components/verify-email-notice";
import { handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { createService } from "~/modules/services/service.server";

export const meta: MetaFunction = () => [{ title: "New service — All Thrive" }];

export function loader({ request, context }: LoaderFunctionArgs) {
  requireViewer(request, context.viewer);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    const { id } = await createService(context.cloudflare.env, viewer, form);
    throw redirect(`/dashboard/services/${id}?created=1`);
  });
}

export default function NewService() {
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <VerifyEmailNotice action="offer services" />
      <Link to="/dashboard/services" className="inline-block text-sm text-brand-700 hover:underline">
        ← Services
      </Link>
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight">New service</h1>
        <p className="mt-1 text-sm text-slate-600">
          Sessions, hourly work, session packs or a fixed-price deliverable. It starts as a draft.
        </p>
        <div className="mt-6">
          <ServiceForm
            errors={errors}
            formError={result && "formError" in result && !Object.keys(errors).length ? result.formError : null}
            busy={busy}
            submitLabel="Create draft"
          />
        </div>
      </div>
    </div>
  );
}
