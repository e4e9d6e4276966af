/**
 * The production "http" transport against a real HTTP endpoint: a capture server on loopback
 * (app/test/email-capture.global.ts). The queue handler runs with EMAIL_TRANSPORT=http and
 * EMAIL_API_URL pointing at it (an env override for these messages only); nothing of ours is mocked.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { runQueueMessage } from "~/test/queues";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { emailSends } from "./schema";
import { sendEmail } from "./transport.server";
import { unsubscribeToken } from "./tokens.server";

const capturePort = () => (env as unknown as { EMAIL_CAPTURE_PORT: string }).EMAIL_CAPTURE_PORT;
const API_KEY = "re_test_capture_key";
/** The test env with the http transport aimed at the capture server; `mode` picks its answer. */
const httpEnv = (mode: "ok" | "500" | "429" | "422") =>
  ({
    ...env,
    EMAIL_TRANSPORT: "http",
    EMAIL_API_URL: `http://127.0.0.1:${capturePort()}/emails/${mode}`,
    EMAIL_API_KEY: API_KEY,
    EMAIL_FROM: "All Thrive <updates@allthrive.test>",
  }) as unknown as Env;

type Captured = { path: string; headers: Record<string, string>; body: string };
async function captured(key: string): Promise<Captured[]> {
  const res = await fetch(`http://127.0.0.1:${capturePort()}/_captured?key=${encodeURIComponent(key)}`);
  return ((await res.json()) as { requests: Captured[] }).requests;
}
const sendState = async (key: string) => (await getDb(env).query.emailSends.findFirst({ where: eq(emailSends.key, key) }))!;

async function setup() {
  const c = await makeCreator(env, { displayName: "Http Hana" });
  const reader = await makeUser(env);
  const post = await makePost(env, c, { title: "Over the wire", body: "Sent by **HTTP**." });
  return { reader, post, key: `post:${post.id}:${reader.id}`, msg: { type: "post_email", postId: post.id, userIds: [reader.id] } };
}

describe("http email transport (real HTTP to a loopback endpoint)", () => {
  it("sends the provider the from/to/subject, HTML and text, unsubscribe link and headers, with auth and idempotency key", async () => {
    const { reader, key, msg } = await setup();
    const result = await runQueueMessage("allthrive-email", msg, { env: httpEnv("ok") });
    expect(result.explicitAcks).toHaveLength(1);
    const [req] = await captured(key);
    expect(req.path).toBe("/emails/ok");
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["idempotency-key"]).toBe(key);
    const body = JSON.parse(req.body) as {
      from: string;
      to: string[];
      subject: string;
      html: string;
      text: string;
      headers: Record<string, string>;
    };
    expect(body.from).toBe("All Thrive <updates@allthrive.test>");
    expect(body.to).toEqual([reader.email]);
    expect(body.subject).toBe("Http Hana: Over the wire");
    expect(body.html).toContain("<strong>HTTP</strong>");
    expect(body.text).toContain("Sent by **HTTP**.");
    const token = await unsubscribeToken(env, reader.id);
    const unsub = `http://localhost:8787/unsubscribe?u=${reader.id}&t=${token}`;
    expect(body.html).toContain(unsub.replace("&", "&amp;"));
    expect(body.text).toContain(unsub);
    expect(body.headers).toEqual({ "List-Unsubscribe": `<${unsub}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" });
    // Recorded as sent with the provider's id.
    const state = await sendState(key);
    expect(state.status).toBe("sent");
    expect(state.providerId).toMatch(/^em_\d+$/);
  });

  it("a 5xx or 429 answer makes the queue retry (not sent); the retry sends with the same idempotency key", async () => {
    const { key, msg } = await setup();
    const failed = await runQueueMessage("allthrive-email", msg, { env: httpEnv("500") });
    expect(failed.explicitAcks).toHaveLength(0);
    expect(failed.retryMessages).toHaveLength(1);
    expect((await sendState(key)).status).toBe("sending");
    const limited = await runQueueMessage("allthrive-email", msg, { env: httpEnv("429"), attempts: 2 });
    expect(limited.retryMessages).toHaveLength(1);
    expect((await sendState(key)).status).toBe("sending");

    const ok = await runQueueMessage("allthrive-email", msg, { env: httpEnv("ok"), attempts: 3 });
    expect(ok.explicitAcks).toHaveLength(1);
    expect((await sendState(key)).status).toBe("sent");
    const requests = await captured(key);
    expect(requests.map((r) => r.path)).toEqual(["/emails/500", "/emails/429", "/emails/ok"]);
    expect(new Set(requests.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([key]));
    // A later redelivery sends nothing more.
    await runQueueMessage("allthrive-email", msg, { env: httpEnv("ok"), attempts: 4 });
    expect(await captured(key)).toHaveLength(3);
  });

  it("another 4xx is permanent: acknowledged and marked skipped, not retried", async () => {
    const { key, msg } = await setup();
    const result = await runQueueMessage("allthrive-email", msg, { env: httpEnv("422") });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
    expect((await sendState(key)).status).toBe("skipped");
  });

  it("sends attachments the way Resend takes them: base64 content (UTF-8) with its type", async () => {
    const key = `attach-${crypto.randomUUID()}`;
    const ics = "BEGIN:VCALENDAR\r\nSUMMARY:Café review\r\nEND:VCALENDAR\r\n";
    const r = await sendEmail(httpEnv("ok"), {
      to: "a@example.test",
      subject: "Booked",
      html: "<p>Booked</p>",
      text: "Booked",
      headers: {},
      idempotencyKey: key,
      attachments: [{ filename: "invite.ics", contentType: "text/calendar; charset=utf-8; method=PUBLISH", content: ics }],
    });
    expect(r.ok).toBe(true);
    const [req] = await captured(key);
    const sent = (JSON.parse(req.body) as { attachments: { filename: string; content: string; content_type: string }[] }).attachments;
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ filename: "invite.ics", content_type: "text/calendar; charset=utf-8; method=PUBLISH" });
    expect(new TextDecoder().decode(Uint8Array.from(atob(sent[0].content), (c) => c.charCodeAt(0)))).toBe(ics);
  });
});
