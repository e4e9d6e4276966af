import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData, useNavigation, type ShouldRevalidateFunction } from "@remix-run/react";
import { TierForm } from "~/components/money/tier-form";
import { handleForm } from "~/lib/http.server";
import { newId } from "~/lib/ids";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { saveTier } from "~/modules/tiers/service.server";
import { VerifyEmailNotice } from "~/components/verify-email-notice";

export const meta: MetaFunction = () => [{ title: "New tier — All Thrive" }];

export function loader({ request, context }: LoaderFunctionArgs) {
  requireViewer(request, context.viewer);
  // The new tier's id, carried by the form: saving again after a failure reuses what Stripe made.
  return { draftId: newId() };
}

// Keep the same draft id across a failed save (no fresh one after the action).
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod ? false : defaultShouldRevalidate;

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    await saveTier(context.cloudflare.env, viewer, null, form);
    throw redirect("/dashboard?tier=saved");
  });
}

export default function NewTier() {
  const { draftId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <VerifyEmailNotice action="offer memberships" />
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight">New membership tier</h1>
        <div className="mt-6">
          <TierForm
            errors={errors}
            formError={result && "formError" in result && !Object.keys(errors).length ? result.formError : null}
            busy={busy}
            submitLabel="Create tier"
            draftId={draftId}
          />
        </div>
      </div>
    </div>
  );
}
