import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { isAppError } from "~/lib/errors";
import { handleForm } from "~/lib/http.server";
import { checkEmailLink, confirmEmailChange } from "~/modules/accounts/service.server";

export const meta: MetaFunction = () => [{ title: "Confirm your new email — All Thrive" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    return { invalid: null, ...(await checkEmailLink(context.cloudflare.env, params.token, "change_email")) };
  } catch (e) {
    if (isAppError(e)) return { invalid: e.message, email: "" };
    throw e;
  }
}

/** A button, not the GET itself: mail scanners that open links must not change an address. */
export async function action({ params, context }: ActionFunctionArgs) {
  return handleForm(async () => {
    const { email } = await confirmEmailChange(context.cloudflare.env, params.token);
    return { ok: true as const, message: `Done — your account's email address is now ${email}.` };
  });
}

export default function ConfirmEmailChange() {
  const { invalid, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  if (result && "message" in result)
    return (
      <AuthCard title="Email address changed">
        <FormSuccess message={result.message} />
        <p className="mt-4 text-sm">
          <Link className="font-semibold text-brand-700 hover:underline" to="/settings">
            Go to Settings →
          </Link>
        </p>
      </AuthCard>
    );
  if (invalid) return <AuthCard title="This link doesn't work">{<FormError message={invalid} />}</AuthCard>;
  return (
    <AuthCard title="Confirm your new email address" subtitle={`Use ${email} for your All Thrive account from now on.`}>
      <Form method="post" className="space-y-4">
        {result && "formError" in result ? <FormError message={result.formError} /> : null}
        <Button type="submit" className="w-full" disabled={busy}>
          Use this address
        </Button>
      </Form>
    </AuthCard>
  );
}
