import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { makeApp, makeCreator } from "~/modules/demo/factories.server";
import { screenshotsOf } from "~/modules/apps/queries.server";
import { placeholderPng, pngChunk } from "./placeholder.server";
import { responsiveImage, variantSource, variantWidths } from "~/lib/image-variants";
import { deleteMedia } from "./service.server";
import { imageSize } from "image-size";

const upload = (slug: string, body: Uint8Array, cookie: string) =>
  app(`/apps/${slug}/screenshots`, {
    method: "POST",
    body: body as Uint8Array<ArrayBuffer>,
    cookie,
    headers: { "Content-Type": "application/octet-stream" },
  });
const r2Keys = async (prefix: string) => (await env.MEDIA.list({ prefix })).objects.map((o) => o.key).sort();

describe("variantWidths", () => {
  it("lists the kind's widths below the original, plus the original when it is small enough", () => {
    expect(variantWidths("screenshot", 640)).toEqual([480, 640]);
    expect(variantWidths("screenshot", 2000)).toEqual([480, 960, 1440]);
    expect(variantWidths("avatar", 160)).toEqual([64, 128, 160]);
    expect(variantWidths("logo", 40)).toEqual([40]);
  });

  it("maps a variant key back to its original only for widths the markup can ask for", () => {
    const original = "public/cover/u1/abc123_2000x1000.jpg";
    expect(variantSource(`${original}.w960.webp`)).toEqual({ original, width: 960 });
    expect(variantSource(`${original}.w961.webp`)).toBeNull();
    expect(variantSource("public/cover/u1/abc123.jpg.w960.webp")).toBeNull();
  });
});

describe("uploaded images get resized WebP variants", () => {
  it("stores each variant the srcset names, at the right size and as WebP", async () => {
    const c = await makeCreator(env);
    const { slug, id } = await makeApp(env, c, { name: `Variants ${c.handle}` });
    const res = await upload(slug, await placeholderPng(640, 360), await c.cookie());
    expect(res.status).toBe(200);
    const [shot] = await screenshotsOf(env, id);
    expect(shot.key).toMatch(/_640x360\.png$/);
    const img = responsiveImage(`/media/${shot.key}`)!;
    expect(img).toMatchObject({ width: 640, height: 360 });
    const urls = img.webpSrcSet.split(", ").map((s) => s.split(" ")[0]);
    expect(urls).toHaveLength(2);
    // Exactly the original and the variants the srcset names are stored, nothing else.
    expect(await r2Keys(`public/screenshot/${id}/`)).toEqual([shot.key, ...urls.map((u) => u.slice("/media/".length))].sort());
    for (const [i, w] of [480, 640].entries()) {
      const r = await app(urls[i]);
      expect(r.status).toBe(200);
      expect(r.headers.get("Content-Type")).toBe("image/webp");
      const size = imageSize(new Uint8Array(await r.arrayBuffer()));
      expect(size).toMatchObject({ type: "webp", width: w, height: Math.round((360 * w) / 640) });
    }
    // Deleting the image deletes its variants with it.
    await deleteMedia(env, [shot.key]);
    expect(await r2Keys(`public/screenshot/${id}/`)).toEqual([]);
  });

  it("refuses a PNG whose structure is whole but whose pixels don't decode, and stores nothing", async () => {
    const c = await makeCreator(env);
    const { slug, id } = await makeApp(env, c, { name: `Corrupt ${c.handle}` });
    // A whole PNG (valid chunks and CRCs) whose compressed pixel data is garbage.
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, 64);
    new DataView(ihdr.buffer).setUint32(4, 64);
    ihdr.set([8, 2, 0, 0, 0], 8);
    const parts = [
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk("IHDR", ihdr),
      pngChunk("IDAT", new Uint8Array([0x78, 0x9c, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02])),
      pngChunk("IEND", new Uint8Array()),
    ];
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) bytes.set(p, (off += p.length) - p.length);
    const res = await upload(slug, bytes, await c.cookie());
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toContain("couldn't be read");
    expect(await r2Keys(`public/screenshot/${id}/`)).toEqual([]);
    expect(await screenshotsOf(env, id)).toEqual([]);
  });
});
