import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeCreator, makePost } from "~/modules/demo/factories.server";

const BODY = [
  "Intro with **bold**, _italic_ and a [link](https://example.com).",
  "",
  "<script>alert('x')</script>",
  "",
  "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>",
  "",
  "<!-- paywall -->",
  "",
  "## For members",
  "",
  "```ts",
  "const a = 1 < 2;",
  "```",
].join("\n");

type Preview = { html: string; freeHtml: string | null; hasMarker: boolean };

describe("the editor's preview", () => {
  it("is the published page's HTML, sanitised the same way, with the free part marked", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const res = await postForm("/dashboard/posts/preview", { body: BODY }, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    const p = (await res.json()) as Preview;
    expect(p.hasMarker).toBe(true);
    expect(p.html).toContain("<strong>bold</strong>");
    expect(p.html).toContain("For members");
    // Raw HTML is shown as text, never run; unsafe links lose their target.
    expect(p.html).not.toContain("<script");
    expect(p.html).not.toMatch(/<img[^>]*onerror/i);
    expect(p.html).not.toMatch(/href="javascript:/i);
    expect(p.freeHtml).toContain("Intro with");
    expect(p.freeHtml).not.toContain("For members");

    // Published with the same body, the creator's page shows exactly this HTML.
    const post = await makePost(env, c, { title: "Preview check", body: BODY, visibility: "followers" });
    const page = await (await app(`/@${c.handle}/posts/${post.slug}`, { cookie })).text();
    expect(page).toContain(p.html);
  });

  it("needs a signed-in writer and refuses bodies over the post limit", async () => {
    const anon = await postForm("/dashboard/posts/preview", { body: "hello" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("Location")).toContain("/login");
    const c = await makeCreator(env);
    const big = await postForm("/dashboard/posts/preview", { body: "a".repeat(100_001) }, { cookie: await c.cookie() });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toContain("100,000 characters");
  });
});
