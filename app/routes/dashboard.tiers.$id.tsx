import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { TierForm } from "~/components/money/tier-form";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { getTierPage, requireOwnedTier, saveTier, setTierStatus } from "~/modules/tiers/service.server";

export const meta: MetaFunction = () => [{ title: "Edit tier — All Thrive" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  return orRespond(async () => {
    await requireOwnedTier(env, viewer, params.id ?? "");
    return (await getTierPage(env, params.id ?? "", viewer))!;
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    if (form.intent === "archive" || form.intent === "restore") {
      await setTierStatus(env, viewer, params.id ?? "", form.intent === "archive" ? "archived" : "active");
      return {
        ok: true as const,
        message: form.intent === "archive" ? "Archived: hidden from your storefront; current members keep their membership." : "Restored.",
      };
    }
    await saveTier(env, viewer, params.id ?? "", form);
    return { ok: true as const, message: "Saved. Price changes apply to new members; existing members keep their price." };
  });
}

export default function EditTier() {
  const { tier, waitlistCount } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">{tier.name}</h1>
          <p className="text-sm text-slate-600">
            {tier.priceLabel}
            {tier.maxSubscribers !== null ? ` · ${tier.seatsLeftLabel} · ${waitlistCount} waiting` : ""}
          </p>
        </div>
        <Form method="post">
          <input type="hidden" name="intent" value={tier.status === "archived" ? "restore" : "archive"} />
          <Button type="submit" variant="secondary">
            {tier.status === "archived" ? "Restore" : "Archive"}
          </Button>
        </Form>
      </div>
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <TierForm defaults={tier} errors={errors} busy={busy} submitLabel="Save tier" />
      </div>
    </div>
  );
}
