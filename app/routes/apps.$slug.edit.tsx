import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { AppLogo } from "~/components/app-card";
import { AppForm } from "~/components/app-form";
import { ImageUpload } from "~/components/image-upload";
import { MultiImageUpload } from "~/components/multi-image-upload";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { movedPermanently } from "~/lib/redirects";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { getEditAppPage } from "~/modules/apps/pages.server";
import { changeFeatured } from "~/modules/admin/service.server";
import { deleteApp, moveScreenshot, removeScreenshot, setPublished, updateApp } from "~/modules/apps/service.server";
import { MAX_SCREENSHOTS } from "~/modules/apps/validation";
import { IMAGE_LIMITS } from "~/lib/upload-limits";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Edit ${data.app.values.name} — All Thrive` : "Not found — All Thrive" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const slug = params.slug ?? "";
  return orRespond(async () => {
    const page = await getEditAppPage(context.cloudflare.env, viewer, slug);
    if ("movedTo" in page) throw movedPermanently(request, slug, page.movedTo);
    return page;
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const slug = params.slug ?? "";
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    switch (form.intent) {
      case "publish":
      case "unpublish":
        await setPublished(env, viewer, slug, form.intent === "publish");
        return {
          ok: true as const,
          message:
            form.intent === "publish" ? "Published: it's on your storefront and in Discover." : "Unpublished: only you can see it now.",
        };
      case "feature":
      case "unfeature":
        // Through the admin console's rules, so it keeps the featured order and is logged (decision 67).
        await changeFeatured(env, viewer, form.intent === "feature" ? "add" : "remove", slug);
        return { ok: true as const, message: form.intent === "feature" ? "Featured." : "No longer featured." };
      case "delete-screenshot":
        await removeScreenshot(env, viewer, slug, String(form.screenshotId ?? ""));
        return { ok: true as const, message: "Screenshot removed." };
      case "move-screenshot":
        await moveScreenshot(env, viewer, slug, form);
        return { ok: true as const, message: "Screenshot moved." };
      case "delete": {
        await deleteApp(env, viewer, slug);
        throw redirect("/apps/new?deleted=1");
      }
      default: {
        const { slug: newSlug } = await updateApp(env, viewer, slug, form);
        if (newSlug !== slug) throw redirect(`/apps/${newSlug}/edit?saved=1`);
        return { ok: true as const, message: "Saved." };
      }
    }
  });
}

export default function EditApp() {
  const { app, categories, screenshots, isAdmin } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const formError = result && "formError" in result && !Object.keys(errors).length ? result.formError : null;
  const [params] = useSearchParams();
  const revalidator = useRevalidator();
  const refresh = () => revalidator.revalidate();
  return (
    <div className="mx-auto max-w-3xl space-y-8">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div className="flex min-w-0 items-center gap-3">
          <AppLogo url={app.logoUrl} name={app.values.name} size={56} />
          <div className="min-w-0">
            <h1 className="truncate text-2xl font-bold tracking-tight">{app.values.name}</h1>
            <p className="text-sm text-slate-600">
              {app.published ? "Published" : "Draft — only you can see it"}
              {app.featured ? " · Featured" : ""}
            </p>
          </div>
        </div>
        <Link
          to={`/apps/${app.slug}`}
          className="rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50"
        >
          View app page →
        </Link>
      </div>
      {params.get("created") ? (
        <FormSuccess message="Your app is registered and live on your storefront. Add a logo and screenshots below." />
      ) : null}
      {params.get("saved") ? <FormSuccess message="Saved." /> : null}
      {params.get("uploadError") ? <FormError message={params.get("uploadError")} /> : null}
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {formError && !("message" in (result ?? {})) ? <FormError message={formError} /> : null}

      <section aria-labelledby="media-h" className="space-y-6 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="media-h" className="text-lg font-semibold">
          Logo and screenshots
        </h2>
        <ImageUpload
          maxBytes={IMAGE_LIMITS.logo}
          action={`/apps/${app.slug}/logo`}
          fieldName="logo"
          label="Logo"
          hint="Square works best. PNG, JPEG, WebP or GIF, up to 2 MB."
          onUploaded={refresh}
        />
        <div className="space-y-3">
          <MultiImageUpload
            maxBytes={IMAGE_LIMITS.screenshot}
            action={`/apps/${app.slug}/screenshots`}
            fieldName="screenshots"
            label={`Screenshots (${screenshots.length} of ${MAX_SCREENSHOTS})`}
            hint="Pick several at once. PNG, JPEG, WebP or GIF, up to 5 MB each."
            disabled={screenshots.length >= MAX_SCREENSHOTS}
            onUploaded={refresh}
          />
          {screenshots.length ? (
            <ol className="grid gap-3 sm:grid-cols-2" aria-label="Screenshots in order">
              {screenshots.map((s, i) => (
                <li key={s.id} className="overflow-hidden rounded-xl border border-slate-200">
                  <img src={s.url} alt={`Screenshot ${i + 1}`} className="aspect-video w-full bg-slate-100 object-cover" />
                  <div className="flex flex-wrap gap-2 p-2">
                    <Form method="post" preventScrollReset>
                      <input type="hidden" name="intent" value="move-screenshot" />
                      <input type="hidden" name="screenshotId" value={s.id} />
                      <input type="hidden" name="direction" value="up" />
                      <Button variant="secondary" type="submit" disabled={i === 0} aria-label={`Move screenshot ${i + 1} earlier`}>
                        Earlier
                      </Button>
                    </Form>
                    <Form method="post" preventScrollReset>
                      <input type="hidden" name="intent" value="move-screenshot" />
                      <input type="hidden" name="screenshotId" value={s.id} />
                      <input type="hidden" name="direction" value="down" />
                      <Button
                        variant="secondary"
                        type="submit"
                        disabled={i === screenshots.length - 1}
                        aria-label={`Move screenshot ${i + 1} later`}
                      >
                        Later
                      </Button>
                    </Form>
                    <Form method="post" preventScrollReset className="ml-auto">
                      <input type="hidden" name="intent" value="delete-screenshot" />
                      <input type="hidden" name="screenshotId" value={s.id} />
                      <Button variant="danger" type="submit" aria-label={`Remove screenshot ${i + 1}`}>
                        Remove
                      </Button>
                    </Form>
                  </div>
                </li>
              ))}
            </ol>
          ) : null}
        </div>
      </section>

      <section aria-labelledby="details-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="details-h" className="mb-4 text-lg font-semibold">
          Details
        </h2>
        <AppForm intent="update" values={app.values} categories={categories} errors={errors} submitLabel="Save changes" />
      </section>

      <section aria-labelledby="visibility-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="visibility-h" className="text-lg font-semibold">
          Visibility
        </h2>
        <div className="flex flex-wrap gap-3">
          <Form method="post">
            <input type="hidden" name="intent" value={app.published ? "unpublish" : "publish"} />
            <Button type="submit" variant="secondary">
              {app.published ? "Unpublish" : "Publish"}
            </Button>
          </Form>
          {isAdmin ? (
            <Form method="post">
              <input type="hidden" name="intent" value={app.featured ? "unfeature" : "feature"} />
              <Button type="submit" variant="secondary">
                {app.featured ? "Remove from featured" : "Feature this app"}
              </Button>
            </Form>
          ) : null}
          <Form
            method="post"
            onSubmit={(e) => {
              if (!confirm("Delete this app, its logo and screenshots? This can't be undone.")) e.preventDefault();
            }}
          >
            <input type="hidden" name="intent" value="delete" />
            <Button type="submit" variant="danger">
              Delete app
            </Button>
          </Form>
        </div>
      </section>
    </div>
  );
}
