import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { AppForm } from "~/components/app-form";
import { handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { getNewAppPage } from "~/modules/apps/pages.server";
import { createApp } from "~/modules/apps/service.server";
import { VerifyEmailNotice } from "~/components/verify-email-notice";

export const meta: MetaFunction = () => [{ title: "Register an app — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return getNewAppPage(context.cloudflare.env, viewer);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    const { slug } = await createApp(context.cloudflare.env, viewer, form);
    throw redirect(`/apps/${slug}/edit?created=1`);
  });
}

export default function NewApp() {
  const { categories, isCreator } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const formError = result && "formError" in result && !Object.keys(errors).length ? result.formError : null;
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <VerifyEmailNotice action="list apps" />
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Register an app</h1>
        <p className="mt-1 text-slate-600">It appears on your storefront and in Discover. You can add a logo and screenshots next.</p>
      </div>
      {isCreator ? (
        <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <AppForm intent="create" categories={categories} errors={errors} formError={formError} submitLabel="Register app" />
        </div>
      ) : (
        <p className="rounded-2xl border border-slate-200 bg-white p-6 text-slate-700">
          Apps live on your storefront.{" "}
          <Link to="/settings/profile" className="font-semibold text-brand-700 underline">
            Open your storefront
          </Link>{" "}
          first.
        </p>
      )}
    </div>
  );
}
