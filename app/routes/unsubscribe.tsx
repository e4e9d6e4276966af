import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Button, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { checkUnsubscribeToken, unsubscribeWithToken } from "~/modules/email/service.server";

export const meta: MetaFunction = () => [{ title: "Unsubscribe — All Thrive" }, { name: "robots", content: "noindex" }];

const params = (request: Request) => {
  const u = new URL(request.url).searchParams;
  return { userId: u.get("u") ?? "", token: u.get("t") ?? "" };
};

/** GET shows a confirmation (link scanners must not unsubscribe people); POST unsubscribes. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { userId, token } = params(request);
  return orRespond(() => checkUnsubscribeToken(context.cloudflare.env, userId, token));
}

/** Also the RFC 8058 one-click target (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`). */
export async function action({ request, context }: ActionFunctionArgs) {
  const { userId, token } = params(request);
  return handleForm(async () => {
    await unsubscribeWithToken(context.cloudflare.env, userId, token);
    return { ok: true as const };
  });
}

export default function Unsubscribe() {
  const { email } = useLoaderData<typeof loader>();
  const done = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-2xl font-bold tracking-tight">Unsubscribe</h1>
      {done && "ok" in done && done.ok ? (
        <div className="mt-4 space-y-4">
          <FormSuccess message={`Done — ${email} will get no more post emails.`} />
          <p className="text-sm text-slate-600">
            Changed your mind?{" "}
            <Link to="/settings/email" className="font-medium text-brand-700 underline">
              Email preferences
            </Link>
          </p>
        </div>
      ) : (
        <Form method="post" className="mt-4 space-y-4">
          <p className="text-slate-600">
            Stop all new-post emails to <strong>{email}</strong>?
          </p>
          <Button type="submit">Unsubscribe</Button>
        </Form>
      )}
    </div>
  );
}
