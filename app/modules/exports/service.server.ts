/**
 * Data exports (decision 68): "Export my data" (JSON of everything about the person) and, for
 * creators, the audience export (CSV of followers who didn't opt out of emails and of members).
 * Requested from settings, built by the export queue into R2 under `private/`, downloadable only by
 * their owner (signed in) until they expire.
 */
import * as v from "valibot";
import { forbidden, notFound, AppError } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import type { Viewer } from "~/modules/identity/auth.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { toCsv } from "./csv";
import { audience, findExport, insertExport, listExports, markExport, pendingExport, personalData } from "./queries.server";
import type { ExportKind } from "./schema";

/** How long a finished export can be downloaded. */
export const EXPORT_TTL_SECONDS = 7 * 86_400;

export const ExportMessage = v.object({ type: v.literal("export"), exportId: v.pipe(v.string(), v.minLength(1)) });
export type ExportMessage = v.InferOutput<typeof ExportMessage>;

const iso = (s: number | null | undefined) => (s ? new Date(s * 1000).toISOString() : "");

export async function requestExport(env: Env, viewer: Viewer, kind: ExportKind) {
  if (kind === "audience" && !(await findCreatorByUserId(env, viewer.id))) throw forbidden("Only creators have an audience to export.");
  const now = nowSeconds();
  const pending = await pendingExport(env, viewer.id, kind, now - 600);
  if (pending) return { id: pending.id, already: true };
  const id = newId();
  await insertExport(env, { id, userId: viewer.id, kind, status: "pending", createdAt: now });
  await env.EXPORT_QUEUE.send({ type: "export", exportId: id } satisfies ExportMessage);
  return { id, already: false };
}

export async function myExports(env: Env, viewer: Viewer) {
  const now = nowSeconds();
  return (await listExports(env, viewer.id)).map((e) => ({
    id: e.id,
    kind: e.kind,
    status: e.status === "ready" && e.expiresAt !== null && e.expiresAt <= now ? "expired" : e.status,
    createdAt: e.createdAt,
    expiresAt: e.expiresAt,
    size: e.size,
  }));
}

/** The export queue's consumer: builds the file once (a redelivered message finds it ready). */
export async function processExportMessage(env: Env, raw: unknown) {
  const { exportId } = v.parse(ExportMessage, raw);
  const row = await findExport(env, exportId);
  if (!row || row.status === "ready") return;
  let body: string, ext: string, type: string;
  if (row.kind === "data") {
    const data = await personalData(env, row.userId);
    body = JSON.stringify({ exportedAt: new Date().toISOString(), format: "allthrive-data-export/1", ...data }, null, 2);
    ext = "json";
    type = "application/json";
  } else {
    const a = await audience(env, row.userId);
    body = toCsv(
      ["type", "email", "tier", "status", "since"],
      [
        ...a.followers.map((f) => ["follower", f.email, "", "following", iso(f.since)]),
        ...a.members.map((m) => ["member", m.email, m.tier ?? "", m.status, iso(m.since)]),
      ],
    );
    ext = "csv";
    type = "text/csv; charset=utf-8";
  }
  const key = `private/exports/${row.userId}/${row.id}.${ext}`;
  const bytes = new TextEncoder().encode(body);
  await env.MEDIA.put(key, bytes, { httpMetadata: { contentType: type } });
  const now = nowSeconds();
  await markExport(env, row.id, { status: "ready", r2Key: key, size: bytes.byteLength, readyAt: now, expiresAt: now + EXPORT_TTL_SECONDS });
}

/** The download: its owner only (anyone else: 404, no hint it exists); 410 once expired. */
export async function downloadExport(env: Env, viewer: Viewer, id: string): Promise<Response> {
  const row = await findExport(env, id);
  if (!row || row.userId !== viewer.id) throw notFound("We couldn't find that export.");
  if (row.status !== "ready" || !row.r2Key) throw new AppError(409, "That export is still being built. Try again in a moment.");
  if (row.expiresAt !== null && row.expiresAt <= nowSeconds()) throw new AppError(410, "That export has expired. Request a new one.");
  const obj = await env.MEDIA.get(row.r2Key);
  if (!obj) throw notFound("We couldn't find that export.");
  const name = `allthrive-${row.kind === "data" ? "data" : "audience"}-${new Date(row.createdAt * 1000).toISOString().slice(0, 10)}.${row.kind === "data" ? "json" : "csv"}`;
  return new Response(obj.body, {
    headers: {
      "Content-Type": obj.httpMetadata?.contentType ?? "application/octet-stream",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
