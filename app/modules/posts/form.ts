/** Reads the post editor's multipart form: fields for validation, the cover file, the intent. */
export function postFormInput(form: FormData) {
  const fields: Record<string, unknown> = {};
  for (const k of ["title", "slug", "body", "excerpt", "visibility", "productId", "appId", "publishAt", "tzOffset"]) {
    const v = form.get(k);
    if (typeof v === "string") fields[k] = v;
  }
  fields.tierIds = form.getAll("tierIds").map(String);
  const cover = form.get("cover");
  return { fields, cover: cover instanceof File && cover.size > 0 ? cover : null, intent: String(form.get("intent") ?? "save") };
}
