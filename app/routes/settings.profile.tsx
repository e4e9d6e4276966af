import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation, useRevalidator, useSearchParams } from "@remix-run/react";
import { Avatar } from "~/components/avatar";
import { ImageUpload } from "~/components/image-upload";
import { Button, Field, FormError, FormSuccess, TextArea } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { mediaUrl } from "~/modules/media/service.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { becomeCreator, updateProfile } from "~/modules/storefronts/service.server";
import { IMAGE_LIMITS } from "~/lib/upload-limits";
import { VerifyEmailNotice } from "~/components/verify-email-notice";

export const meta: MetaFunction = () => [{ title: "Your creator profile — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const c = await findCreatorByUserId(context.cloudflare.env, viewer.id);
  if (!c) return { creator: null };
  return {
    creator: { handle: c.handle, displayName: c.displayName, bio: c.bioMarkdown, links: c.links, avatarUrl: mediaUrl(c.avatarKey) },
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    if (form.intent === "become-creator") {
      await becomeCreator(env, viewer, form);
      throw redirect("/settings/profile?welcome=1");
    }
    await updateProfile(env, viewer, String(form.handle ?? ""), form);
    return { ok: true as const, message: "Profile saved." };
  });
}

export default function Profile() {
  const { creator } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const formError = result && "formError" in result && !Object.keys(errors).length ? result.formError : null;
  const busy = useNavigation().state === "submitting";
  const [params] = useSearchParams();
  const revalidator = useRevalidator();
  const handleFetcher = useFetcher<
    { ok: true; handle: string; message: string } | { error: string; fieldErrors: Record<string, string> }
  >();
  const handleResult = handleFetcher.data;

  if (!creator) {
    return (
      <div className="mx-auto max-w-xl">
        <VerifyEmailNotice action="open your storefront" />
        <div className="rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">
          <h1 className="text-2xl font-bold tracking-tight">Open your storefront</h1>
          <p className="mt-1 text-slate-600">
            Pick a handle — it becomes your address: <span className="font-mono text-slate-800">allthrive.app/@handle</span>.
          </p>
          <Form method="post" className="mt-6 space-y-4" noValidate>
            <input type="hidden" name="intent" value="become-creator" />
            <FormError message={formError} />
            <Field
              label="Handle"
              name="handle"
              required
              autoComplete="off"
              hint="3–30 characters: lowercase letters, digits and hyphens."
              error={errors.handle}
            />
            <Field label="Display name" name="displayName" required autoComplete="name" error={errors.displayName} />
            <Button type="submit" disabled={busy}>
              Create my storefront
            </Button>
          </Form>
        </div>
      </div>
    );
  }

  return (
    <div className="mx-auto max-w-3xl space-y-8">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Your creator profile</h1>
          <p className="mt-1 text-slate-600">This is what visitors see on your storefront.</p>
        </div>
        <Link
          to={`/@${creator.handle}`}
          className="rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50"
        >
          View @{creator.handle} →
        </Link>
      </div>
      {params.get("welcome") ? (
        <FormSuccess message={`Your storefront is live at /@${creator.handle}. Add a photo and a bio so people know who you are.`} />
      ) : null}

      <section aria-labelledby="avatar-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="avatar-h" className="text-lg font-semibold">
          Avatar
        </h2>
        <div className="mt-4 flex items-start gap-6">
          <Avatar url={creator.avatarUrl} name={creator.displayName} size={80} />
          <div className="flex-1">
            {params.get("avatarError") ? <FormError message={params.get("avatarError")} /> : null}
            {params.get("avatar") === "updated" ? <FormSuccess message="Avatar updated." /> : null}
            <ImageUpload
              maxBytes={IMAGE_LIMITS.avatar}
              action="/settings/avatar"
              fieldName="avatar"
              label="Upload a new avatar"
              hint="PNG, JPEG, WebP or GIF, up to 2 MB."
              hidden={{ handle: creator.handle }}
              onUploaded={() => revalidator.revalidate()}
            />
          </div>
        </div>
      </section>

      <section aria-labelledby="handle-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="handle-h" className="text-lg font-semibold">
          Handle
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Your address is <span className="font-mono">/@{creator.handle}</span>. You can change it once every 30 days; the old address
          redirects to the new one for 90 days and stays yours meanwhile.
        </p>
        <handleFetcher.Form method="post" action="/settings/handle" className="mt-4 space-y-4" noValidate>
          {handleResult && "message" in handleResult ? <FormSuccess message={handleResult.message} /> : null}
          {handleResult && "error" in handleResult && !handleResult.fieldErrors?.handle ? <FormError message={handleResult.error} /> : null}
          <Field
            label="New handle"
            name="handle"
            autoComplete="off"
            hint="3–30 characters: lowercase letters, digits and hyphens."
            error={handleResult && "fieldErrors" in handleResult ? handleResult.fieldErrors?.handle : undefined}
          />
          <Button type="submit" disabled={handleFetcher.state !== "idle"}>
            Change handle
          </Button>
        </handleFetcher.Form>
      </section>

      <section aria-labelledby="profile-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="profile-h" className="text-lg font-semibold">
          Profile
        </h2>
        <Form method="post" className="mt-4 space-y-4" noValidate>
          <input type="hidden" name="intent" value="update-profile" />
          <input type="hidden" name="handle" value={creator.handle} />
          {result && "message" in result ? <FormSuccess message={result.message} /> : null}
          <FormError message={formError} />
          <Field label="Display name" name="displayName" defaultValue={creator.displayName} error={errors.displayName} />
          <TextArea
            label="Bio"
            name="bio"
            rows={6}
            defaultValue={creator.bio}
            hint="Markdown works: **bold**, _italic_, [links](https://example.com), lists."
            error={errors.bio}
          />
          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-sm font-medium text-slate-800">Links</legend>
            <Field
              label="Website"
              name="website"
              type="url"
              placeholder="https://"
              defaultValue={creator.links.website ?? ""}
              error={errors.website}
            />
            <Field label="X" name="x" type="url" placeholder="https://x.com/…" defaultValue={creator.links.x ?? ""} error={errors.x} />
            <Field
              label="GitHub"
              name="github"
              type="url"
              placeholder="https://github.com/…"
              defaultValue={creator.links.github ?? ""}
              error={errors.github}
            />
            <Field
              label="LinkedIn"
              name="linkedin"
              type="url"
              placeholder="https://linkedin.com/in/…"
              defaultValue={creator.links.linkedin ?? ""}
              error={errors.linkedin}
            />
            <Field
              label="YouTube"
              name="youtube"
              type="url"
              placeholder="https://youtube.com/@…"
              defaultValue={creator.links.youtube ?? ""}
              error={errors.youtube}
            />
          </fieldset>
          <Button type="submit" disabled={busy}>
            {busy ? "Saving…" : "Save profile"}
          </Button>
        </Form>
      </section>
    </div>
  );
}
