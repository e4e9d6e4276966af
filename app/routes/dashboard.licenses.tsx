import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { handleForm } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { licensingOverview, removeLicensePolicy, setLicensePolicy } from "~/modules/licenses/service.server";

export const meta: MetaFunction = () => [{ title: "License keys — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return licensingOverview(context.cloudflare.env, viewer);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = await request.formData();
  const offerId = String(form.get("offerId") ?? "");
  return handleForm(async () => {
    if (form.get("intent") === "stop") {
      await removeLicensePolicy(env, viewer, offerId);
      return { ok: true as const, message: "New sales no longer get a key. Keys already granted keep working while paid for." };
    }
    if (form.get("intent") !== "grant") throw badRequest("Choose what to do.");
    const raw = String(form.get("activationLimit") ?? "").trim();
    await setLicensePolicy(env, viewer, offerId, { activationLimit: raw === "" ? null : Number(raw) });
    return { ok: true as const, message: "Saved. Every sale gets a license key; earlier buyers got theirs just now." };
  });
}

export default function Licenses() {
  const { offers, keys } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="mx-auto max-w-4xl space-y-8">
      <div>
        <p className="text-sm">
          <Link to="/dashboard" className="text-brand-700 hover:underline">
            ← Dashboard
          </Link>
        </p>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">License keys</h1>
        <p className="mt-1 text-slate-600">
          Sell access to your own app: a product or tier can grant each buyer a license key, and your app asks the{" "}
          <Link to="/docs/api#licenses" className="font-semibold text-brand-700 hover:underline">
            entitlement API
          </Link>{" "}
          whether a customer currently has access. Refunds, cancellations and expiries turn keys off at once.
        </p>
      </div>
      {result && result.ok ? <FormSuccess message={result.message} /> : null}
      {result && !result.ok ? <FormError message={result.formError} /> : null}

      <section aria-labelledby="offers">
        <h2 id="offers" className="text-lg font-semibold">
          Products and tiers
        </h2>
        {offers.length === 0 ? (
          <div className="mt-3">
            <EmptyState icon="box" title="Nothing to license yet">
              Create a product or a membership tier first; then choose here which ones grant license keys.
            </EmptyState>
          </div>
        ) : (
          <ul className="mt-3 divide-y divide-slate-100 rounded-2xl border border-slate-200 bg-white shadow-sm">
            {offers.map((o) => (
              <li key={o.id} className="flex flex-col gap-3 p-4 md:flex-row md:items-center md:justify-between">
                <div>
                  <p className="font-medium text-slate-900">
                    {o.name}{" "}
                    <span className="text-xs font-normal text-slate-500">({o.kind === "product" ? "product" : "membership tier"})</span>
                  </p>
                  <p className="text-sm text-slate-600">
                    {o.grants
                      ? `Grants a key per ${o.kind === "product" ? "order" : "membership"} · ${o.activationLimit ? `up to ${o.activationLimit} activations` : "unlimited activations"} · ${o.keys} key${o.keys === 1 ? "" : "s"} granted`
                      : "No license keys"}
                  </p>
                </div>
                <div className="flex flex-wrap items-end gap-2">
                  <Form method="post" className="flex items-end gap-2">
                    <input type="hidden" name="intent" value="grant" />
                    <input type="hidden" name="offerId" value={o.id} />
                    <div>
                      <label htmlFor={`limit-${o.id}`} className="block text-xs font-medium text-slate-700">
                        Activation limit
                      </label>
                      <input
                        id={`limit-${o.id}`}
                        name="activationLimit"
                        type="number"
                        min={1}
                        max={10000}
                        placeholder="none"
                        defaultValue={o.activationLimit ?? ""}
                        className="mt-1 w-28 rounded-lg border border-slate-300 px-2 py-1.5 text-sm"
                      />
                    </div>
                    <Button type="submit" disabled={busy} aria-label={`${o.grants ? "Save" : "Grant keys for"} ${o.name}`}>
                      {o.grants ? "Save" : "Grant keys"}
                    </Button>
                  </Form>
                  {o.grants ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="stop" />
                      <input type="hidden" name="offerId" value={o.id} />
                      <Button type="submit" variant="secondary" disabled={busy} aria-label={`Stop granting keys for ${o.name}`}>
                        Stop
                      </Button>
                    </Form>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="keys">
        <h2 id="keys" className="text-lg font-semibold">
          Newest keys
        </h2>
        {keys.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">No keys granted yet.</p>
        ) : (
          <div className="mt-3 overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Key
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Customer
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    State
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Activations
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.key} className="border-t border-slate-100">
                    <td className="px-3 py-2 font-mono text-xs">{k.key}</td>
                    <td className="px-3 py-2">{k.email ?? "deleted account"}</td>
                    <td className="px-3 py-2">{k.status}</td>
                    <td className="px-3 py-2">
                      {k.activations.used}
                      {k.activations.limit ? ` / ${k.activations.limit}` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
