import { Form, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { ImageUpload } from "./image-upload";
import { MarkdownEditor } from "./markdown-editor";
import { Button, Field, FormError, TextArea } from "./ui/form";
import { IMAGE_LIMITS } from "~/lib/upload-limits";

type Offering = { id: string; name: string };
export type EditorPost = {
  id?: string;
  title: string;
  slug: string;
  excerpt: string;
  body: string;
  visibility: string;
  tierIds: string[];
  productId: string | null;
  appId: string | null;
  coverUrl: string | null;
  status?: string;
};

const VIS = [
  { value: "public", label: "Everyone", hint: "Anyone can read it all." },
  { value: "followers", label: "Followers", hint: "Free for people who follow you." },
  { value: "paid", label: "Paid subscribers", hint: "Anyone on any of your paid tiers." },
  { value: "tiers", label: "Specific tiers", hint: "Only the tiers you pick." },
  { value: "product", label: "Buyers of a product", hint: "A bonus for people who bought it." },
] as const;

export function PostEditor({
  post,
  offerings,
  errors = {},
  formError,
  submitLabel,
}: {
  post: EditorPost;
  offerings: { tiers: Offering[]; products: Offering[]; apps: Offering[] };
  errors?: Record<string, string>;
  formError?: string | null;
  submitLabel: string;
}) {
  const busy = useNavigation().state === "submitting";
  const [visibility, setVisibility] = useState(post.visibility);
  const bodyWrap = useRef<HTMLDivElement>(null);
  const tz = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (tz.current) tz.current.value = String(new Date().getTimezoneOffset());
  }, []);

  function insertAtCursor(text: string) {
    const el = bodyWrap.current?.querySelector("textarea");
    if (!el) return;
    const { selectionStart: s, selectionEnd: e, value } = el;
    el.value = `${value.slice(0, s)}\n${text}\n${value.slice(e)}`;
    el.focus();
  }

  return (
    <div className="space-y-6">
      <Form method="post" encType="multipart/form-data" className="space-y-5" noValidate>
        <FormError message={formError} />
        <Field label="Title" name="title" required defaultValue={post.title} error={errors.title} />
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Slug"
            name="slug"
            defaultValue={post.slug}
            placeholder="made-from-the-title"
            hint="The end of the post's address. Leave empty to make one from the title."
            error={errors.slug}
          />
          <div>
            <label htmlFor="appId" className="block text-sm font-medium text-slate-800">
              About one of your apps
            </label>
            <select
              id="appId"
              name="appId"
              defaultValue={post.appId ?? ""}
              className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2"
            >
              <option value="">No app</option>
              {offerings.apps.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div ref={bodyWrap}>
          <MarkdownEditor
            label="Body"
            name="body"
            defaultValue={post.body}
            draftKey={post.id ?? "new"}
            uploadUrl={`/dashboard/posts/images${post.id ? `?postId=${encodeURIComponent(post.id)}` : ""}`}
            hint={
              <>
                Markdown. Paste or drop images. Use <strong>Insert paywall here</strong> (or a line with{" "}
                <code className="rounded bg-slate-100 px-1">{"<!-- paywall -->"}</code>) where the free preview ends; everything after it is
                only for the readers you choose below.
              </>
            }
            error={errors.body}
          />
        </div>
        <TextArea
          label="Excerpt (optional)"
          name="excerpt"
          rows={2}
          defaultValue={post.excerpt}
          hint="Shown in lists, link previews and search. Everyone can see it, so keep paid details out."
          error={errors.excerpt}
        />

        <fieldset>
          <legend className="text-sm font-medium text-slate-800">Who can read past the preview?</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2">
            {VIS.map((v) => {
              const unavailable =
                (v.value === "tiers" || v.value === "paid") && offerings.tiers.length === 0
                  ? "Create a subscription tier first."
                  : v.value === "product" && offerings.products.length === 0
                    ? "Create a product first."
                    : null;
              return (
                <label
                  key={v.value}
                  className={`flex items-start gap-3 rounded-lg border p-3 ${visibility === v.value ? "border-brand-500 bg-brand-50" : "border-slate-200"} ${unavailable ? "opacity-60" : "cursor-pointer hover:bg-slate-50"}`}
                >
                  <input
                    type="radio"
                    name="visibility"
                    value={v.value}
                    checked={visibility === v.value}
                    onChange={() => setVisibility(v.value)}
                    disabled={!!unavailable && visibility !== v.value}
                    className="mt-1"
                  />
                  <span>
                    <span className="block font-medium text-slate-900">{v.label}</span>
                    <span className="block text-sm text-slate-600">{unavailable ?? v.hint}</span>
                  </span>
                </label>
              );
            })}
          </div>
          {errors.visibility ? (
            <p role="alert" className="mt-1 text-sm text-red-700">
              {errors.visibility}
            </p>
          ) : null}
        </fieldset>
        {visibility === "tiers" ? (
          <fieldset>
            <legend className="text-sm font-medium text-slate-800">Tiers</legend>
            <div className="mt-2 flex flex-wrap gap-3">
              {offerings.tiers.map((t) => (
                <label key={t.id} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="tierIds" value={t.id} defaultChecked={post.tierIds.includes(t.id)} />
                  {t.name}
                </label>
              ))}
            </div>
            {errors.tierIds ? (
              <p role="alert" className="mt-1 text-sm text-red-700">
                {errors.tierIds}
              </p>
            ) : null}
          </fieldset>
        ) : null}
        {visibility === "product" ? (
          <div>
            <label htmlFor="productId" className="block text-sm font-medium text-slate-800">
              Product
            </label>
            <select
              id="productId"
              name="productId"
              defaultValue={post.productId ?? ""}
              className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2"
            >
              <option value="">Choose a product</option>
              {offerings.products.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            {errors.productId ? (
              <p role="alert" className="mt-1 text-sm text-red-700">
                {errors.productId}
              </p>
            ) : null}
          </div>
        ) : null}

        <div>
          <label htmlFor="cover" className="block text-sm font-medium text-slate-800">
            Cover image (optional)
          </label>
          {post.coverUrl ? <img src={post.coverUrl} alt="Current cover" className="mt-2 h-28 rounded-lg object-cover" /> : null}
          <input
            id="cover"
            name="cover"
            type="file"
            accept="image/png,image/jpeg,image/webp,image/gif"
            className="mt-2 block text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-brand-700 hover:file:bg-brand-100"
          />
          <p className="mt-1 text-xs text-slate-500">PNG, JPEG, WebP or GIF, up to 5 MB.</p>
          {errors.cover ? (
            <p role="alert" className="mt-1 text-sm text-red-700">
              {errors.cover}
            </p>
          ) : null}
        </div>

        <div className="flex flex-wrap items-end gap-3 border-t border-slate-200 pt-5">
          <Button type="submit" name="intent" value="save" variant="secondary" disabled={busy}>
            {post.status === "published" ? "Save changes" : "Save draft"}
          </Button>
          {post.status !== "published" ? (
            <Button type="submit" name="intent" value="publish" disabled={busy}>
              {submitLabel}
            </Button>
          ) : null}
          {post.status !== "published" ? (
            <div className="flex flex-wrap items-end gap-2">
              <Field label="…or schedule for" name="publishAt" type="datetime-local" error={errors.publishAt} />
              <input ref={tz} type="hidden" name="tzOffset" defaultValue="0" />
              <Button type="submit" name="intent" value="schedule" variant="secondary" disabled={busy}>
                Schedule
              </Button>
            </div>
          ) : null}
        </div>
      </Form>
      <section aria-labelledby="img-h" className="rounded-2xl border border-slate-200 bg-white p-5">
        <h2 id="img-h" className="font-semibold">
          Images in the post
        </h2>
        <p className="mt-1 text-sm text-slate-600">Upload an image and we'll add its Markdown where your cursor is in the body.</p>
        <div className="mt-3">
          <ImageUpload
            maxBytes={IMAGE_LIMITS.cover}
            action="/dashboard/posts/images"
            fieldName="image"
            label="Upload an image"
            hint="PNG, JPEG, WebP or GIF, up to 5 MB."
            hidden={post.id ? { postId: post.id } : {}}
            onUploaded={(json) => typeof json.markdown === "string" && insertAtCursor(json.markdown)}
          />
        </div>
      </section>
    </div>
  );
}
