import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { handleForm } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { myExports, requestExport } from "~/modules/exports/service.server";

export const meta: MetaFunction = () => [{ title: "Export your data — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return { exports: await myExports(context.cloudflare.env, viewer), isCreator: !!context.viewer?.handle };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const kind = (await request.formData()).get("kind");
  return handleForm(async () => {
    if (kind !== "data" && kind !== "audience") throw badRequest("Choose what to export.");
    const r = await requestExport(context.cloudflare.env, viewer, kind);
    return {
      ok: true as const,
      message: r.already ? "That export is already being built." : "Building your export; it appears below in a moment.",
    };
  });
}

const when = (s: number) => new Date(s * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";

export default function ExportData() {
  const { exports, isCreator } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const revalidator = useRevalidator();
  const pending = exports.some((e) => e.status === "pending");
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(() => revalidator.revalidate(), 1500);
    return () => clearTimeout(t);
  }, [pending, revalidator]);
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Export your data</h1>
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result && result.ok ? <FormSuccess message={result.message} /> : null}
      <section className="space-y-3 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 className="text-lg font-semibold">Everything about you (JSON)</h2>
        <p className="text-sm text-slate-600">
          Your profile, apps, posts, products (details and file names), orders, memberships, follows and notifications. Built in the
          background; the download link works only for you, signed in, for 7 days.
        </p>
        <Form method="post">
          <input type="hidden" name="kind" value="data" />
          <Button disabled={busy}>Export my data</Button>
        </Form>
      </section>
      {isCreator ? (
        <section className="space-y-3 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <h2 className="text-lg font-semibold">Your audience (CSV)</h2>
          <p className="text-sm text-slate-600">
            Followers who have not turned emails off (All Thrive has no separate consent-to-contact setting, so that is what we go by) and
            your members with their tier, status, since and email — members are told on the tier page that you see their email.
          </p>
          <Form method="post">
            <input type="hidden" name="kind" value="audience" />
            <Button variant="secondary" disabled={busy}>
              Export my audience
            </Button>
          </Form>
        </section>
      ) : null}
      {exports.length ? (
        <section aria-labelledby="exports-h" className="space-y-2">
          <h2 id="exports-h" className="text-lg font-semibold">
            Your exports
          </h2>
          <ul className="divide-y divide-slate-100 rounded-2xl border border-slate-200 bg-white text-sm shadow-sm">
            {exports.map((e) => (
              <li key={e.id} className="flex items-center justify-between px-4 py-2">
                <span>
                  {e.kind === "data" ? "My data (JSON)" : "Audience (CSV)"} · {when(e.createdAt)}
                </span>
                {e.status === "ready" ? (
                  <a href={`/settings/export/${e.id}`} className="font-semibold text-brand-700 hover:underline">
                    Download
                  </a>
                ) : (
                  <span className="text-slate-500">{e.status === "pending" ? "Building…" : e.status}</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
