import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { PostEditor } from "~/components/post-editor";
import { Button, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { editPostForm } from "~/modules/posts/studio.server";
import { deletePost, publishPost, schedulePost, unpublishPost, updatePost } from "~/modules/posts/service.server";
import { postFormInput } from "~/modules/posts/form";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit “${data?.post.title ?? "post"}” — All Thrive` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => editPostForm(context.cloudflare.env, viewer, params.id ?? ""));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const id = params.id ?? "";
  const { fields, cover, intent } = postFormInput(await request.formData());
  return handleForm(async () => {
    switch (intent) {
      case "unpublish":
        await unpublishPost(env, viewer, id);
        throw redirect(`/dashboard/posts/${id}?unpublished=1`);
      case "delete":
        await deletePost(env, viewer, id);
        throw redirect("/dashboard/posts?deleted=1");
      case "publish": {
        await updatePost(env, viewer, id, fields, cover);
        const { url } = await publishPost(env, viewer, id);
        throw redirect(`${url}?published=1`);
      }
      case "schedule":
        await updatePost(env, viewer, id, fields, cover);
        await schedulePost(env, viewer, id, fields);
        throw redirect(`/dashboard/posts/${id}?scheduled=1`);
      default:
        await updatePost(env, viewer, id, fields, cover);
        throw redirect(`/dashboard/posts/${id}?saved=1`);
    }
  });
}

export default function EditPost() {
  const { post, offerings } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const [params] = useSearchParams();
  const notice = params.get("saved")
    ? "Saved."
    : params.get("scheduled")
      ? "Scheduled — it will be published automatically."
      : params.get("unpublished")
        ? "Unpublished. It's back to a draft and gone from feeds."
        : null;
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <p className="text-sm">
            <Link to="/dashboard/posts" className="text-brand-700">
              ← Your posts
            </Link>
          </p>
          <h1 className="mt-2 text-2xl font-bold tracking-tight">Edit post</h1>
          <p className="mt-1 text-sm text-slate-600">
            {post.status === "published"
              ? "Published"
              : post.status === "scheduled" && post.publishAt
                ? `Scheduled for ${new Date(post.publishAt * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`
                : "Draft"}
            {" · "}
            <Link to={post.url} className="text-brand-700">
              {post.status === "published" ? "View" : "Preview"}
            </Link>
          </p>
        </div>
        {post.status !== "draft" ? (
          <Form method="post" encType="multipart/form-data">
            <Button type="submit" name="intent" value="unpublish" variant="secondary">
              {post.status === "scheduled" ? "Cancel schedule" : "Unpublish"}
            </Button>
          </Form>
        ) : null}
      </div>
      <FormSuccess message={notice} />
      <PostEditor
        post={post}
        offerings={offerings}
        errors={errors}
        formError={result && "formError" in result && !Object.keys(errors).length ? result.formError : null}
        submitLabel="Publish now"
      />
      <Form
        method="post"
        encType="multipart/form-data"
        className="border-t border-slate-200 pt-6"
        onSubmit={(e) => {
          if (!confirm("Delete this post for good?")) e.preventDefault();
        }}
      >
        <Button type="submit" name="intent" value="delete" variant="danger">
          Delete post
        </Button>
      </Form>
    </div>
  );
}
