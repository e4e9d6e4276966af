import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { PostEditor } from "~/components/post-editor";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { newPostForm } from "~/modules/posts/studio.server";
import { createPost, parseScheduleTime, publishPost, schedulePost } from "~/modules/posts/service.server";
import { postFormInput } from "~/modules/posts/form";
import { VerifyEmailNotice } from "~/components/verify-email-notice";

export const meta: MetaFunction = () => [{ title: "New post — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => newPostForm(context.cloudflare.env, viewer));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const { fields, cover, intent } = postFormInput(await request.formData());
  return handleForm(async () => {
    // Check the schedule before creating anything, so a bad time leaves no stray draft.
    if (intent === "schedule") parseScheduleTime(fields);
    const { id } = await createPost(env, viewer, fields, cover);
    if (intent === "schedule") {
      await schedulePost(env, viewer, id, fields);
      throw redirect(`/dashboard/posts/${id}?scheduled=1`);
    }
    if (intent === "publish") {
      const { url } = await publishPost(env, viewer, id);
      throw redirect(`${url}?published=1`);
    }
    throw redirect(`/dashboard/posts/${id}?saved=1`);
  });
}

export default function NewPost() {
  const { handle, offerings } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <VerifyEmailNotice action="write posts" />
      <div>
        <p className="text-sm">
          <Link to="/dashboard/posts" className="text-brand-700">
            ← Your posts
          </Link>
        </p>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">New post</h1>
        <p className="mt-1 text-slate-600">
          It will appear on <span className="font-mono">/@{handle}</span> and in your followers' feeds when you publish.
        </p>
      </div>
      <PostEditor
        post={{
          title: "",
          slug: "",
          excerpt: "",
          body: "",
          visibility: "public",
          tierIds: [],
          productId: null,
          appId: null,
          coverUrl: null,
        }}
        offerings={offerings}
        errors={errors}
        formError={result && "formError" in result && !Object.keys(errors).length ? result.formError : null}
        submitLabel="Publish now"
      />
    </div>
  );
}
