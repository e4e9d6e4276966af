import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, Field, FormError } from "~/components/ui/form";
import { clientIp, handleForm } from "~/lib/http.server";
import { safeRedirect } from "~/lib/redirects";
import { formToObject } from "~/lib/validation";
import { requireAnonymous } from "~/modules/identity/auth.server";
import { logIn } from "~/modules/identity/service.server";

export { passThroughHeaders as headers } from "~/lib/route-headers";

export const meta: MetaFunction = () => [{ title: "Log in — All Thrive" }];

export function loader({ context }: LoaderFunctionArgs) {
  requireAnonymous(context.viewer);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleForm(async () => {
    const form = formToObject(await request.formData());
    const { setCookie } = await logIn(context.cloudflare.env, form, clientIp(request));
    throw redirect(safeRedirect(form.redirectTo, "/"), { headers: { "Set-Cookie": setCookie } });
  });
}

export default function LogIn() {
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const showFormError = result && "formError" in result && !Object.keys(errors).length;
  return (
    <AuthCard
      title="Welcome back"
      subtitle="Log in to your All Thrive account."
      footer={
        <>
          New here?{" "}
          <Link className="font-semibold text-brand-700 hover:underline" to="/signup">
            Create an account
          </Link>
        </>
      }
    >
      <Form method="post" className="space-y-4" noValidate>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        {showFormError ? <FormError message={result.formError} /> : null}
        <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required error={errors.password} />
        <p className="-mt-2 text-right text-sm">
          <Link className="font-semibold text-brand-700 hover:underline" to="/forgot-password">
            Forgot password?
          </Link>
        </p>
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </Button>
      </Form>
    </AuthCard>
  );
}
