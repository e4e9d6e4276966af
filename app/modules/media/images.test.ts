import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { makeApp, makeCreator } from "~/modules/demo/factories.server";
import { screenshotsOf } from "~/modules/apps/queries.server";
import { placeholderPng, pngChunk } from "./placeholder.server";

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const concat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
};

/** A structurally valid PNG that claims the given size (one tiny IDAT; the header is what matters here). */
function pngClaiming(width: number, height: number) {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return concat(
    PNG_SIG,
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk("IEND", new Uint8Array()),
  );
}

/** A 1×1 baseline greyscale JPEG: SOI, DQT, SOF0, two DHTs, SOS, one byte of scan data, EOI. */
const jpeg = () =>
  concat(
    [0xff, 0xd8],
    [0xff, 0xdb, 0x00, 0x43, 0x00],
    new Array(64).fill(1),
    [0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00],
    [0xff, 0xc4, 0x00, 0x14, 0x00, 0x01],
    new Array(15).fill(0),
    [0x00],
    [0xff, 0xc4, 0x00, 0x14, 0x10, 0x01],
    new Array(15).fill(0),
    [0x00],
    [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00],
    [0x3f],
    [0xff, 0xd9],
  );
const b64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
/** 1×1 GIF89a with a 2-colour table. */
const gif = () => b64("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");
/** 1×1 lossless WebP. */
const webp = () => b64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==");

const upload = (slug: string, body: Uint8Array, cookie: string) =>
  app(`/apps/${slug}/screenshots`, {
    method: "POST",
    body: body as Uint8Array<ArrayBuffer>,
    cookie,
    headers: { "Content-Type": "application/octet-stream" },
  });
const r2Keys = async (prefix: string) => (await env.MEDIA.list({ prefix })).objects.map((o) => o.key);

const incompletePng = "That file isn't a complete PNG image (it may be truncated or corrupted).";

describe("images are parsed whole before they are stored", () => {
  it.each([
    ["a truncated PNG", async () => (await placeholderPng(40, 30)).slice(0, -20), incompletePng],
    [
      "a PNG signature followed by HTML",
      async () => concat(PNG_SIG, new TextEncoder().encode("<!doctype html><html><body><script>alert(1)</script></body></html>")),
      incompletePng,
    ],
    [
      "a PNG with a bad CRC",
      async () => {
        const b = await placeholderPng(40, 30);
        b[b.length - 20] ^= 0xff;
        return b;
      },
      incompletePng,
    ],
    ["a PNG with bytes after IEND", async () => concat(await placeholderPng(40, 30), new TextEncoder().encode("<html>")), incompletePng],
    [
      "a JPEG without its EOI",
      async () => jpeg().slice(0, -2),
      "That file isn't a complete JPEG image (it may be truncated or corrupted).",
    ],
    [
      "a JPEG signature followed by HTML",
      async () => concat([0xff, 0xd8, 0xff], new TextEncoder().encode("<html></html>")),
      "That file isn't a complete JPEG image",
    ],
    ["a GIF without its trailer", async () => gif().slice(0, -1), "That file isn't a complete GIF image"],
    ["a WebP whose RIFF size is wrong", async () => concat(webp(), [0, 0]), "That file isn't a complete WebP image"],
    [
      "a 20000×20000 PNG",
      async () => pngClaiming(20000, 20000),
      "That image is 20000×20000 pixels; images can be at most 12,000 pixels on a side and 40 megapixels.",
    ],
    ["a 12001×10 PNG", async () => pngClaiming(12001, 10), "That image is 12001×10 pixels"],
    ["an 8000×6000 (48 MP) PNG", async () => pngClaiming(8000, 6000), "That image is 8000×6000 pixels"],
  ])("refuses %s with a clear message and stores nothing", async (_name, make, message) => {
    const c = await makeCreator(env);
    const { slug, id } = await makeApp(env, c, { name: `Whole ${c.handle}` });
    const res = await upload(slug, await make(), await c.cookie());
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toContain(message);
    expect(await r2Keys(`public/screenshot/${id}/`)).toEqual([]);
    expect(await screenshotsOf(env, id)).toEqual([]);
  });

  it.each([
    ["PNG", async () => await placeholderPng(40, 30), "image/png"],
    ["PNG at the limit (12000×3333)", async () => pngClaiming(12000, 3333), "image/png"],
    ["JPEG", async () => jpeg(), "image/jpeg"],
    ["GIF", async () => gif(), "image/gif"],
    ["WebP", async () => webp(), "image/webp"],
  ])("still accepts a valid %s and serves it", async (_name, make, mime) => {
    const c = await makeCreator(env);
    const { slug, id } = await makeApp(env, c, { name: `Valid ${c.handle}` });
    const bytes = await make();
    const res = await upload(slug, bytes, await c.cookie());
    expect(res.status).toBe(200);
    const shots = await screenshotsOf(env, id);
    expect(shots).toHaveLength(1);
    const media = await app(`/media/${shots[0].key}`);
    expect(media.headers.get("Content-Type")).toBe(mime);
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(bytes);
  });
});
