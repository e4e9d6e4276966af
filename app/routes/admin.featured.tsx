import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AdminNav } from "~/components/admin-nav";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { changeFeatured, getFeaturedConsole, requireAdmin } from "~/modules/admin/service.server";

export const meta: MetaFunction = () => [{ title: "Staff picks — admin — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(async () => ({ featured: await getFeaturedConsole(context.cloudflare.env, viewer) }));
}

const OPS = ["add", "remove", "up", "down"] as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  const op = String(form.get("op") ?? "");
  const slug = String(form.get("slug") ?? "").trim();
  return handleForm(async () => {
    requireAdmin(viewer);
    if (!(OPS as readonly string[]).includes(op)) throw badRequest("Unknown action.");
    if (!slug) throw badRequest("Give the app's address (its slug).");
    await changeFeatured(context.cloudflare.env, viewer, op as (typeof OPS)[number], slug);
    return { ok: true as const, message: { add: "Featured.", remove: "No longer featured.", up: "Moved up.", down: "Moved down." }[op]! };
  });
}

export default function AdminFeatured() {
  const { featured } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Staff picks</h1>
      <AdminNav />
      <p className="text-slate-600">
        Editorial picks, shown in this order in the Staff picks row of the home page and <Link to="/discover">/discover</Link>. Apps of
        suspended creators and unpublished apps stay on the list but are not shown.
      </p>
      <Form method="post" className="flex flex-wrap items-end gap-3">
        <input type="hidden" name="op" value="add" />
        <label className="text-sm">
          <span className="block text-slate-700">App slug</span>
          <input name="slug" required placeholder="bookbot" className="mt-1 rounded-lg border border-slate-300 px-3 py-1.5" />
        </label>
        <Button disabled={busy}>Feature</Button>
      </Form>
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result && result.ok ? <FormSuccess message={result.message} /> : null}
      {featured.length === 0 ? (
        <p className="text-sm text-slate-500">No featured apps.</p>
      ) : (
        <ol className="divide-y divide-slate-100 rounded-2xl border border-slate-200 bg-white shadow-sm">
          {featured.map((a, i) => (
            <li key={a.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-2 text-sm">
              <span>
                <span className="mr-2 tabular-nums text-slate-400">{i + 1}.</span>
                <Link to={`/apps/${a.slug}`} className="font-medium text-brand-700 hover:underline">
                  {a.name}
                </Link>{" "}
                <span className="text-slate-500">by @{a.handle}</span>
                {!a.published ? <span className="ml-2 text-amber-700">(unpublished)</span> : null}
                {a.hidden ? <span className="ml-2 text-rose-700">(creator hidden)</span> : null}
              </span>
              <Form method="post" className="flex gap-2">
                <input type="hidden" name="slug" value={a.slug} />
                <Button
                  name="op"
                  value="up"
                  variant="secondary"
                  disabled={busy || i === 0}
                  className="px-2 py-1"
                  aria-label={`Move ${a.name} up`}
                >
                  ↑
                </Button>
                <Button
                  name="op"
                  value="down"
                  variant="secondary"
                  disabled={busy || i === featured.length - 1}
                  className="px-2 py-1"
                  aria-label={`Move ${a.name} down`}
                >
                  ↓
                </Button>
                <Button name="op" value="remove" variant="danger" disabled={busy} className="px-2 py-1">
                  Remove
                </Button>
              </Form>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
