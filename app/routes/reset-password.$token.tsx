import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, Field, FormError } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { isAppError } from "~/lib/errors";
import { formToObject } from "~/lib/validation";
import { checkResetToken, resetPassword } from "~/modules/accounts/service.server";

export { passThroughHeaders as headers } from "~/lib/route-headers";

export const meta: MetaFunction = () => [{ title: "Choose a new password — All Thrive" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    await checkResetToken(context.cloudflare.env, params.token);
    return { invalid: null };
  } catch (e) {
    if (isAppError(e)) return { invalid: e.message };
    throw e;
  }
}

/** On success every session of the account ends and THIS browser is signed in (D61). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  return handleForm(async () => {
    const form = formToObject(await request.formData());
    const { setCookie } = await resetPassword(context.cloudflare.env, params.token, form);
    throw redirect("/?password-reset=1", { headers: { "Set-Cookie": setCookie } });
  });
}

export default function ResetPassword() {
  const { invalid } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  if (invalid)
    return (
      <AuthCard title="This link doesn't work">
        <FormError message={invalid} />
        <p className="mt-4 text-sm">
          <Link className="font-semibold text-brand-700 hover:underline" to="/forgot-password">
            Request a new link
          </Link>
        </p>
      </AuthCard>
    );
  return (
    <AuthCard title="Choose a new password" subtitle="Every device signed in to your account will be signed out; this one stays signed in.">
      <Form method="post" className="space-y-4" noValidate>
        {result && "formError" in result && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          hint="At least 10 characters."
          required
          error={errors.password}
        />
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Saving…" : "Set new password"}
        </Button>
      </Form>
    </AuthCard>
  );
}
