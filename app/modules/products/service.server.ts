import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, isUniqueViolation, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, toMajorString } from "~/lib/money";
import { markdownExcerpt, renderMarkdown, safeUrl } from "~/lib/markdown.server";
import { overStored, parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { requireVerifiedEmail } from "~/modules/identity/verified.server";
import { deleteMedia, mediaUrl, putPublicImage, r2ObjectResponse, readImageUpload } from "~/modules/media/service.server";
import { creators } from "~/modules/storefronts/schema";
import { findCreatorByHandle, findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { orders, payoutAccounts } from "~/modules/payments/schema";
import { cleanFileName, putPrivateFile } from "./files.server";
import { courseCursors, lessonProgress, lessons, productFiles, products, type ProductType } from "./schema";
import { LessonInput, ProductInput, pricingFields } from "./validation";

export const PRODUCT_TYPE_LABELS: Record<ProductType, string> = {
  course: "Course",
  template: "Template",
  prompt_pack: "Prompt pack",
  ebook: "Ebook",
  other: "Digital product",
};

type ProductRow = typeof products.$inferSelect;

async function requireCreator(env: Env, viewer: Viewer) {
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw forbidden("Open your storefront first — then you can sell products.");
  return creator;
}

/** Loads a product and checks the viewer owns it (or is an admin). */
export async function requireOwnedProduct(env: Env, viewer: Viewer, productId: string): Promise<ProductRow> {
  const p = await getDb(env).query.products.findFirst({ where: eq(products.id, productId) });
  if (!p) throw notFound("That product doesn't exist.");
  if (p.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only edit your own products.");
  return p;
}

function parseProduct(input: unknown) {
  const raw = (input ?? {}) as Record<string, unknown>;
  const p = parseOrThrow(ProductInput, { ...raw, price: raw.price ?? "", currency: String(raw.currency ?? "usd").toLowerCase() });
  return { ...p, ...pricingFields(p.pricing, p, p.currency) };
}

async function bumpStorefront(env: Env, creatorId: string) {
  await getDb(env)
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creatorId));
}

/** A product goes on sale only with something to deliver: at least one file, or a lesson for courses. */
const NOTHING_TO_DELIVER = "Add at least one file (or a lesson, for courses) before publishing.";
async function requireDeliverable(env: Env, productId: string) {
  const files = await getDb(env).select({ id: productFiles.id }).from(productFiles).where(eq(productFiles.productId, productId)).limit(1);
  const lessonRows = await getDb(env).select({ id: lessons.id }).from(lessons).where(eq(lessons.productId, productId)).limit(1);
  if (!files.length && !lessonRows.length) throw unprocessable(NOTHING_TO_DELIVER);
}

export async function createProduct(env: Env, viewer: Viewer, input: unknown) {
  await requireVerifiedEmail(env, viewer); // D61: publishing and selling wait for a verified address
  const creator = await requireCreator(env, viewer);
  const p = parseProduct(input);
  // A new product has no files yet, so it starts as a draft; publishing follows its first file.
  if (p.status === "published") throw unprocessable(NOTHING_TO_DELIVER);
  const t = nowSeconds();
  const id = newId();
  try {
    await getDb(env)
      .insert(products)
      .values({
        id,
        creatorId: creator.userId,
        type: p.type,
        title: p.title,
        slug: p.slug,
        descriptionMarkdown: p.description ?? "",
        pricing: p.pricing,
        priceAmount: p.priceAmount,
        minimumAmount: p.minimumAmount,
        currency: p.currency,
        status: p.status ?? "draft",
        createdAt: t,
        updatedAt: t,
      });
  } catch (e) {
    if (isUniqueViolation(e))
      throw conflict("You already have a product at that address.", { slug: "You already have a product at that address." });
    throw e;
  }
  await bumpStorefront(env, creator.userId);
  return { id };
}

/** Edits a product. Price changes apply to new checkouts; past orders keep what was paid. */
export async function updateProduct(env: Env, viewer: Viewer, productId: string, input: unknown) {
  const existing = await requireOwnedProduct(env, viewer, productId);
  // A field the request doesn't carry keeps its stored value (saving the edit form never unpublishes).
  const p = parseProduct(
    overStored(input, {
      type: existing.type,
      title: existing.title,
      slug: existing.slug,
      description: existing.descriptionMarkdown,
      pricing: existing.pricing,
      price: existing.pricing === "free" ? "" : toMajorString(existing.priceAmount, existing.currency),
      minimum: existing.minimumAmount === null ? "" : toMajorString(existing.minimumAmount, existing.currency),
      currency: existing.currency,
      status: existing.status,
    }),
  );
  if (p.status === "published" && existing.status !== "published") await requireDeliverable(env, productId);
  try {
    await getDb(env)
      .update(products)
      .set({
        type: p.type,
        title: p.title,
        slug: p.slug,
        descriptionMarkdown: p.description ?? "",
        pricing: p.pricing,
        priceAmount: p.priceAmount,
        minimumAmount: p.minimumAmount,
        currency: p.currency,
        status: p.status ?? existing.status,
        updatedAt: nowSeconds(),
      })
      .where(eq(products.id, productId));
  } catch (e) {
    if (isUniqueViolation(e))
      throw conflict("You already have a product at that address.", { slug: "You already have a product at that address." });
    throw e;
  }
  await bumpStorefront(env, existing.creatorId);
}

export async function setProductStatus(env: Env, viewer: Viewer, productId: string, status: "draft" | "published") {
  const p = await requireOwnedProduct(env, viewer, productId);
  if (status === "published") await requireDeliverable(env, productId);
  await getDb(env).update(products).set({ status, updatedAt: nowSeconds() }).where(eq(products.id, productId));
  await bumpStorefront(env, p.creatorId);
}

export async function setProductCover(env: Env, viewer: Viewer, productId: string, source: ReadableStream<Uint8Array> | File | null) {
  const p = await requireOwnedProduct(env, viewer, productId);
  const image = await readImageUpload(source, "cover");
  const key = await putPublicImage(env, "cover", p.creatorId, image);
  await getDb(env).update(products).set({ coverKey: key, updatedAt: nowSeconds() }).where(eq(products.id, productId));
  await deleteMedia(env, [p.coverKey]);
  await bumpStorefront(env, p.creatorId);
  return { coverUrl: mediaUrl(key)! };
}

/** Streams an uploaded file into private storage and records it. */
export async function addProductFile(
  env: Env,
  viewer: Viewer,
  productId: string,
  fileName: string,
  body: ReadableStream<Uint8Array> | null,
  length: number,
) {
  const p = await requireOwnedProduct(env, viewer, productId);
  const name = cleanFileName(fileName);
  const count = await getDb(env)
    .select({ n: sql<number>`count(*)` })
    .from(productFiles)
    .where(eq(productFiles.productId, p.id));
  if (Number(count[0]?.n ?? 0) >= 20) throw unprocessable("A product can have up to 20 files.");
  const stored = await putPrivateFile(env, p.id, name, body, length);
  const id = newId();
  await getDb(env)
    .insert(productFiles)
    .values({ id, productId: p.id, r2Key: stored.key, fileName: name, mime: stored.mime, size: stored.size, createdAt: nowSeconds() });
  return { id, fileName: name, size: stored.size };
}

export async function deleteProductFile(env: Env, viewer: Viewer, fileId: string) {
  const f = await getDb(env).query.productFiles.findFirst({ where: eq(productFiles.id, fileId) });
  if (!f) throw notFound("That file doesn't exist.");
  await requireOwnedProduct(env, viewer, f.productId);
  await getDb(env).delete(productFiles).where(eq(productFiles.id, fileId));
  await deleteMedia(env, [f.r2Key]);
}

export async function addLesson(env: Env, viewer: Viewer, productId: string, input: unknown) {
  const p = await requireOwnedProduct(env, viewer, productId);
  if (p.type !== "course") throw unprocessable("Only courses have lessons.");
  const l = parseOrThrow(LessonInput, input);
  const db = getDb(env);
  const [{ max }] = await db
    .select({ max: sql<number | null>`max(${lessons.position})` })
    .from(lessons)
    .where(eq(lessons.productId, productId));
  const id = newId();
  await db.insert(lessons).values({
    id,
    productId,
    position: (max ?? 0) + 1,
    title: l.title,
    bodyMarkdown: l.body ?? "",
    videoUrl: l.videoUrl ?? null,
    createdAt: nowSeconds(),
  });
  return { id };
}

export async function updateLesson(env: Env, viewer: Viewer, lessonId: string, input: unknown) {
  const lesson = await getDb(env).query.lessons.findFirst({ where: eq(lessons.id, lessonId) });
  if (!lesson) throw notFound("That lesson doesn't exist.");
  await requireOwnedProduct(env, viewer, lesson.productId);
  const l = parseOrThrow(LessonInput, input);
  await getDb(env)
    .update(lessons)
    .set({ title: l.title, bodyMarkdown: l.body ?? "", videoUrl: l.videoUrl ?? null })
    .where(eq(lessons.id, lessonId));
}

/** Moves a lesson up or down by swapping positions with its neighbour (one batch). */
export async function moveLesson(env: Env, viewer: Viewer, lessonId: string, direction: "up" | "down") {
  const db = getDb(env);
  const lesson = await db.query.lessons.findFirst({ where: eq(lessons.id, lessonId) });
  if (!lesson) throw notFound("That lesson doesn't exist.");
  await requireOwnedProduct(env, viewer, lesson.productId);
  const all = await db.select().from(lessons).where(eq(lessons.productId, lesson.productId)).orderBy(asc(lessons.position));
  const i = all.findIndex((x) => x.id === lessonId);
  const j = direction === "up" ? i - 1 : i + 1;
  if (j < 0 || j >= all.length) return;
  await db.batch([
    db.update(lessons).set({ position: all[j].position }).where(eq(lessons.id, all[i].id)),
    db.update(lessons).set({ position: all[i].position }).where(eq(lessons.id, all[j].id)),
  ]);
}

export async function deleteLesson(env: Env, viewer: Viewer, lessonId: string) {
  const lesson = await getDb(env).query.lessons.findFirst({ where: eq(lessons.id, lessonId) });
  if (!lesson) throw notFound("That lesson doesn't exist.");
  await requireOwnedProduct(env, viewer, lesson.productId);
  await getDb(env).delete(lessons).where(eq(lessons.id, lessonId));
}

// ---------------------------------------------------------------- presentation & reads

/** How a product's price reads everywhere: "$19.99", "Free", or "$0+" / "$5+" for pay what you want. */
export function priceLabel(p: Pick<ProductRow, "pricing" | "priceAmount" | "minimumAmount" | "currency">): string {
  if (p.pricing === "free") return "Free";
  if (p.pricing === "pwyw") return `${formatMoney(p.minimumAmount ?? 0, p.currency)}+`;
  return formatMoney(p.priceAmount, p.currency);
}

export function presentProduct(p: ProductRow, sellable: boolean) {
  return {
    id: p.id,
    type: p.type,
    typeLabel: PRODUCT_TYPE_LABELS[p.type],
    title: p.title,
    slug: p.slug,
    excerpt: markdownExcerpt(p.descriptionMarkdown, 140),
    coverUrl: mediaUrl(p.coverKey),
    price: priceLabel(p),
    priceAmount: p.priceAmount,
    pricing: p.pricing,
    /** Pay what you want: the least accepted and the suggested amount (prefilled), as typed in the form. */
    minimum: p.pricing === "pwyw" ? formatMoney(p.minimumAmount ?? 0, p.currency) : null,
    minimumInput: p.minimumAmount === null ? "" : toMajorString(p.minimumAmount, p.currency),
    suggested: p.pricing === "pwyw" ? formatMoney(p.priceAmount, p.currency) : null,
    suggestedInput: p.pricing === "pwyw" ? toMajorString(p.priceAmount, p.currency) : "",
    /** Pay what you want from 0: a buyer may take it free. */
    freeAllowed: p.pricing === "pwyw" && (p.minimumAmount ?? 0) === 0,
    currency: p.currency,
    status: p.status,
    /** False until the creator's Stripe account can take charges: shown as "coming soon". Free products need no payouts. */
    sellable: sellable || p.pricing === "free",
  };
}

/** Published products for a storefront, with whether they can be bought yet. */
/** A creator's published products, newest first (batchable: the storefront folds it into one D1 batch). */
export function publishedProductsQuery(db: ReturnType<typeof getDb>, creatorId: string | SQL) {
  return db
    .select()
    .from(products)
    .where(and(eq(products.creatorId, creatorId), eq(products.status, "published")))
    .orderBy(desc(products.createdAt));
}

export async function listPublishedProducts(env: Env, creatorId: string) {
  const db = getDb(env);
  const [rows, acct] = await Promise.all([
    publishedProductsQuery(db, creatorId),
    db.query.payoutAccounts.findFirst({ where: eq(payoutAccounts.creatorId, creatorId) }),
  ]);
  return rows.map((p) => presentProduct(p, !!acct?.chargesEnabled));
}

/** Everything the public product page shows. Drafts are visible to their owner only. */
export async function getProductPage(env: Env, handle: string, slug: string, viewer: Viewer | null) {
  const creator = await findCreatorByHandle(env, handle);
  if (!creator) return null;
  const db = getDb(env);
  const p = await db.query.products.findFirst({
    where: and(eq(products.creatorId, creator.userId), eq(products.slug, slug.toLowerCase())),
  });
  if (!p) return null;
  const isOwner = viewer?.id === p.creatorId;
  if (p.status !== "published" && !isOwner) return null;
  const [acct, files, lessonRows, owned] = await Promise.all([
    db.query.payoutAccounts.findFirst({ where: eq(payoutAccounts.creatorId, p.creatorId) }),
    db
      .select({ id: productFiles.id, fileName: productFiles.fileName, size: productFiles.size })
      .from(productFiles)
      .where(eq(productFiles.productId, p.id)),
    db.select({ title: lessons.title }).from(lessons).where(eq(lessons.productId, p.id)).orderBy(asc(lessons.position)),
    viewer ? hasAccess(env, viewer.id, p.id) : Promise.resolve(false),
  ]);
  return {
    creator: { handle: creator.handle, displayName: creator.displayName, avatarUrl: mediaUrl(creator.avatarKey) },
    product: { ...presentProduct(p, !!acct?.chargesEnabled), descriptionHtml: renderMarkdown(p.descriptionMarkdown) },
    // Someone who owns it gets their download links here too ("You own this"); others see names only.
    files: files.map((f) => ({ fileName: f.fileName, size: f.size, downloadHref: owned ? `/library/download/${f.id}` : null })),
    lessons: lessonRows.map((l) => l.title),
    isOwner,
    owned,
    libraryHref: p.type === "course" ? `/library/courses/${p.id}` : "/library",
  };
}

/** A buyer has access while they hold a paid (not refunded, not disputed) order; creators always. */
export async function hasAccess(env: Env, userId: string, productId: string): Promise<boolean> {
  const db = getDb(env);
  const [order] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.buyerId, userId), eq(orders.productId, productId), eq(orders.status, "paid")))
    .limit(1);
  if (order) return true;
  const [own] = await db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.id, productId), eq(products.creatorId, userId)))
    .limit(1);
  return !!own;
}

/** The creator's editing view of one product. */
export async function getProductForEditing(env: Env, viewer: Viewer, productId: string) {
  const p = await requireOwnedProduct(env, viewer, productId);
  const db = getDb(env);
  const creator = await db.query.creators.findFirst({ where: eq(creators.userId, p.creatorId) });
  const [files, lessonRows] = await Promise.all([
    db.select().from(productFiles).where(eq(productFiles.productId, p.id)).orderBy(asc(productFiles.createdAt)),
    db.select().from(lessons).where(eq(lessons.productId, p.id)).orderBy(asc(lessons.position)),
  ]);
  return {
    handle: creator?.handle ?? "",
    product: {
      ...presentProduct(p, true),
      description: p.descriptionMarkdown,
      priceInput: p.pricing === "free" ? "" : toMajorString(p.priceAmount, p.currency),
    },
    files: files.map((f) => ({ id: f.id, fileName: f.fileName, size: f.size, mime: f.mime })),
    lessons: lessonRows.map((l) => ({ id: l.id, title: l.title, body: l.bodyMarkdown, videoUrl: l.videoUrl })),
  };
}

export async function listCreatorProducts(env: Env, creatorId: string) {
  const rows = await getDb(env).select().from(products).where(eq(products.creatorId, creatorId)).orderBy(desc(products.createdAt));
  return rows.map((p) => presentProduct(p, true));
}

// ---------------------------------------------------------------- buyer side: downloads & courses

/**
 * The authorised download route: checks the viewer's entitlement on every request and streams the
 * private object with `attachment` + nosniff. Anyone without access gets 404 (no hint it exists).
 */
export async function downloadFile(env: Env, viewer: Viewer | null, fileId: string, request: Request): Promise<Response> {
  const missing = () => new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  if (!viewer)
    return new Response("Please sign in to download your purchases.", {
      status: 403,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  const f = await getDb(env).query.productFiles.findFirst({ where: eq(productFiles.id, fileId) });
  if (!f || !(await hasAccess(env, viewer.id, f.productId))) return missing();
  return streamProductFile(env, f, request);
}

/** A product file by id, for callers that authorise access themselves (guest checkouts, D71). */
export async function findProductFile(env: Env, fileId: string) {
  return (await getDb(env).query.productFiles.findFirst({ where: eq(productFiles.id, fileId) })) ?? null;
}

/** Streams a private product file as an attachment (nosniff, no-store, sandboxed); the caller has authorised it. */
export async function streamProductFile(env: Env, f: typeof productFiles.$inferSelect, request: Request): Promise<Response> {
  const missing = () => new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const obj = await env.MEDIA.get(f.r2Key, { range: request.headers });
  if (!obj) return missing();
  const headers = new Headers();
  headers.set("Content-Type", f.mime);
  headers.set(
    "Content-Disposition",
    `attachment; filename="${f.fileName.replace(/[^\x20-\x7e]/g, "_").replace(/"/g, "")}"; filename*=UTF-8''${encodeURIComponent(f.fileName)}`,
  );
  headers.set("Cache-Control", "private, no-store");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Content-Security-Policy", "default-src 'none'; sandbox");
  headers.set("ETag", obj.httpEtag);
  return r2ObjectResponse(obj, request, headers);
}

/** A course page for a buyer: lessons, progress, and where to resume. */
export async function getCourse(env: Env, viewer: Viewer, productId: string, lessonId?: string) {
  const db = getDb(env);
  const p = await db.query.products.findFirst({ where: eq(products.id, productId) });
  if (!p || p.type !== "course" || !(await hasAccess(env, viewer.id, productId))) throw notFound("That course isn't in your library.");
  const [lessonRows, done, cursor] = await Promise.all([
    db.select().from(lessons).where(eq(lessons.productId, productId)).orderBy(asc(lessons.position)),
    db
      .select({ lessonId: lessonProgress.lessonId })
      .from(lessonProgress)
      .where(and(eq(lessonProgress.userId, viewer.id), eq(lessonProgress.productId, productId))),
    db.query.courseCursors.findFirst({ where: and(eq(courseCursors.userId, viewer.id), eq(courseCursors.productId, productId)) }),
  ]);
  const doneSet = new Set(done.map((d) => d.lessonId));
  const resumeId =
    cursor?.lessonId && lessonRows.some((l) => l.id === cursor.lessonId)
      ? cursor.lessonId
      : ((lessonRows.find((l) => !doneSet.has(l.id)) ?? lessonRows[0])?.id ?? null);
  const currentId = lessonId ?? resumeId;
  const current = lessonRows.find((l) => l.id === currentId) ?? null;
  if (lessonId && !current) throw notFound("That lesson doesn't exist.");
  if (current && lessonId) {
    await db
      .insert(courseCursors)
      .values({ userId: viewer.id, productId, lessonId: current.id, updatedAt: nowSeconds() })
      .onConflictDoUpdate({
        target: [courseCursors.userId, courseCursors.productId],
        set: { lessonId: current.id, updatedAt: nowSeconds() },
      });
  }
  const idx = current ? lessonRows.findIndex((l) => l.id === current.id) : -1;
  return {
    product: { id: p.id, title: p.title },
    lessons: lessonRows.map((l) => ({ id: l.id, title: l.title, done: doneSet.has(l.id) })),
    completed: doneSet.size,
    resumeId,
    current: current
      ? {
          id: current.id,
          title: current.title,
          html: renderMarkdown(current.bodyMarkdown),
          videoUrl: safeUrl(current.videoUrl, false),
          done: doneSet.has(current.id),
          prevId: lessonRows[idx - 1]?.id ?? null,
          nextId: lessonRows[idx + 1]?.id ?? null,
        }
      : null,
  };
}

export async function setLessonDone(env: Env, viewer: Viewer, lessonId: string, done: boolean) {
  const db = getDb(env);
  const lesson = await db.query.lessons.findFirst({ where: eq(lessons.id, lessonId) });
  if (!lesson || !(await hasAccess(env, viewer.id, lesson.productId))) throw notFound("That lesson isn't in your library.");
  if (done)
    await db
      .insert(lessonProgress)
      .values({ userId: viewer.id, lessonId, productId: lesson.productId, completedAt: nowSeconds() })
      .onConflictDoNothing();
  else await db.delete(lessonProgress).where(and(eq(lessonProgress.userId, viewer.id), eq(lessonProgress.lessonId, lessonId)));
}

/** Files of the products a viewer may download, for the library. */
export async function filesForProducts(env: Env, productIds: string[]) {
  if (!productIds.length) return [];
  return getDb(env)
    .select({ id: productFiles.id, productId: productFiles.productId, fileName: productFiles.fileName, size: productFiles.size })
    .from(productFiles)
    .where(inArray(productFiles.productId, productIds));
}
