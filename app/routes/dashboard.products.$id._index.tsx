import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator, useSearchParams } from "@remix-run/react";
import { StatusBadge } from "~/components/money/earnings-chart";
import { ProductForm } from "~/components/money/product-form";
import { ImageUpload } from "~/components/image-upload";
import { Button, Field, FormError, FormSuccess, TextArea } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { IMAGE_LIMITS, MAX_PRODUCT_FILE_BYTES } from "~/lib/upload-limits";
import {
  addLesson,
  deleteLesson,
  deleteProductFile,
  getProductForEditing,
  moveLesson,
  setProductStatus,
  updateLesson,
  updateProduct,
} from "~/modules/products/service.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.product.title ?? "Product"} — edit — All Thrive` }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => getProductForEditing(context.cloudflare.env, viewer, params.id ?? ""));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const id = params.id ?? "";
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    switch (form.intent) {
      case "publish":
        await setProductStatus(env, viewer, id, "published");
        return { ok: true as const, message: "Published. It's on your storefront now." };
      case "unpublish":
        await setProductStatus(env, viewer, id, "draft");
        return { ok: true as const, message: "Moved back to drafts." };
      case "delete-file":
        await deleteProductFile(env, viewer, String(form.fileId ?? ""));
        return { ok: true as const, message: "File removed." };
      case "add-lesson":
        await addLesson(env, viewer, id, form);
        return { ok: true as const, message: "Lesson added." };
      case "update-lesson":
        await updateLesson(env, viewer, String(form.lessonId ?? ""), form);
        return { ok: true as const, message: "Lesson saved." };
      case "move-lesson":
        await moveLesson(env, viewer, String(form.lessonId ?? ""), form.direction === "up" ? "up" : "down");
        return { ok: true as const, message: "Lesson moved." };
      case "delete-lesson":
        await deleteLesson(env, viewer, String(form.lessonId ?? ""));
        return { ok: true as const, message: "Lesson deleted." };
      default:
        await updateProduct(env, viewer, id, form);
        return { ok: true as const, message: "Saved." };
    }
  });
}

const size = (n: number) => (n > 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

export default function EditProduct() {
  const { product, files, lessons, handle } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  const revalidator = useRevalidator();
  const [params] = useSearchParams();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="min-w-0">
          <h1 className="truncate text-2xl font-bold tracking-tight">{product.title}</h1>
          <p className="text-sm text-slate-600">
            {product.typeLabel} · {product.price} · <StatusBadge status={product.status} />
          </p>
        </div>
        <div className="flex gap-2">
          <Link
            to={`/@${handle}/products/${product.slug}`}
            className="rounded-lg bg-white px-3 py-2 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            View page
          </Link>
          <Form method="post">
            <input type="hidden" name="intent" value={product.status === "published" ? "unpublish" : "publish"} />
            <Button type="submit" variant={product.status === "published" ? "secondary" : "primary"} disabled={busy}>
              {product.status === "published" ? "Unpublish" : "Publish"}
            </Button>
          </Form>
        </div>
      </div>
      {params.get("created") ? <FormSuccess message="Draft created. Add files (and lessons for a course), then publish." /> : null}
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}

      <section aria-labelledby="files-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="files-h" className="text-lg font-semibold">
          Files buyers get
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Stored privately — only buyers can download them, through short-lived authorised links.
        </p>
        {params.get("fileError") ? (
          <div className="mt-3">
            <FormError message={params.get("fileError")} />
          </div>
        ) : null}
        {files.length ? (
          <ul className="mt-4 divide-y divide-slate-100 rounded-lg border border-slate-200">
            {files.map((f) => (
              <li key={f.id} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                <span className="min-w-0 truncate">
                  <span className="font-medium">{f.fileName}</span> <span className="text-slate-500">· {size(f.size)}</span>
                </span>
                <Form method="post">
                  <input type="hidden" name="intent" value="delete-file" />
                  <input type="hidden" name="fileId" value={f.id} />
                  <button className="text-rose-700 hover:underline" type="submit">
                    Remove
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="mt-4">
          <ImageUpload
            maxBytes={MAX_PRODUCT_FILE_BYTES}
            noun="file"
            imageOnly={false}
            action={`/dashboard/products/${product.id}/files`}
            fieldName="file"
            label="Add a file"
            hint="PDF, ZIP, EPUB, Markdown, text, JSON, CSV, images or MP4 — up to 100 MB each."
            accept=".pdf,.zip,.epub,.md,.markdown,.txt,.json,.csv,.png,.jpg,.jpeg,.webp,.gif,.mp4"
            fileNameParam="name"
            onUploaded={() => revalidator.revalidate()}
          />
        </div>
      </section>

      <section aria-labelledby="cover-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="cover-h" className="text-lg font-semibold">
          Cover image
        </h2>
        <div className="mt-3 flex flex-wrap items-start gap-4">
          {product.coverUrl ? (
            <img src={product.coverUrl} alt="" className="h-24 w-40 rounded-lg object-cover ring-1 ring-slate-200" />
          ) : (
            <div className="h-24 w-40 rounded-lg bg-gradient-to-br from-brand-100 to-fuchsia-100" aria-hidden="true" />
          )}
          <div className="flex-1">
            <ImageUpload
              maxBytes={IMAGE_LIMITS.cover}
              action={`/dashboard/products/${product.id}/cover`}
              fieldName="cover"
              label="Upload a cover"
              hint="PNG, JPEG, WebP or GIF, up to 5 MB."
              onUploaded={() => revalidator.revalidate()}
            />
          </div>
        </div>
      </section>

      {product.type === "course" ? (
        <section aria-labelledby="lessons-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <h2 id="lessons-h" className="text-lg font-semibold">
            Lessons
          </h2>
          <ol className="mt-4 space-y-3">
            {lessons.map((l, i) => (
              <li key={l.id} className="rounded-lg border border-slate-200 p-3">
                <details>
                  <summary className="cursor-pointer font-medium">
                    {i + 1}. {l.title}
                  </summary>
                  <Form method="post" className="mt-3 space-y-3">
                    <input type="hidden" name="intent" value="update-lesson" />
                    <input type="hidden" name="lessonId" value={l.id} />
                    <Field label="Title" name="title" defaultValue={l.title} />
                    <TextArea label="Lesson (Markdown)" name="body" rows={5} defaultValue={l.body} />
                    <Field label="Video link (optional)" name="videoUrl" type="url" defaultValue={l.videoUrl ?? ""} />
                    <Button type="submit" variant="secondary">
                      Save lesson
                    </Button>
                  </Form>
                </details>
                <div className="mt-2 flex gap-3 text-sm">
                  {(["up", "down"] as const).map((dir) => (
                    <Form method="post" key={dir}>
                      <input type="hidden" name="intent" value="move-lesson" />
                      <input type="hidden" name="lessonId" value={l.id} />
                      <input type="hidden" name="direction" value={dir} />
                      <button
                        type="submit"
                        className="text-slate-600 hover:underline"
                        disabled={(dir === "up" && i === 0) || (dir === "down" && i === lessons.length - 1)}
                      >
                        Move {dir}
                      </button>
                    </Form>
                  ))}
                  <Form method="post">
                    <input type="hidden" name="intent" value="delete-lesson" />
                    <input type="hidden" name="lessonId" value={l.id} />
                    <button type="submit" className="text-rose-700 hover:underline">
                      Delete
                    </button>
                  </Form>
                </div>
              </li>
            ))}
          </ol>
          <Form method="post" className="mt-4 space-y-3 rounded-lg bg-slate-50 p-4">
            <input type="hidden" name="intent" value="add-lesson" />
            <h3 className="font-medium">Add a lesson</h3>
            <Field label="Title" name="title" error={errors.title} />
            <TextArea label="Lesson (Markdown)" name="body" rows={4} error={errors.body} />
            <Field label="Video link (optional)" name="videoUrl" type="url" placeholder="https://" error={errors.videoUrl} />
            <Button type="submit" disabled={busy}>
              Add lesson
            </Button>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="details-h" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="details-h" className="mb-4 text-lg font-semibold">
          Details
        </h2>
        <ProductForm defaults={product} errors={errors} busy={busy} submitLabel="Save changes" />
      </section>
    </div>
  );
}
