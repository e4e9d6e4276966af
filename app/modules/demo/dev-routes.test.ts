import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../../workers/index";
import { ORIGIN } from "~/test/http";

const fetchWorker = worker.fetch as unknown as (r: Request, e: Env, c: ExecutionContext) => Promise<Response>;

/** One request through the real Worker entry with APP_ENV set as a deployment sets it. */
async function asProduction(path: string, method = "GET") {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { Host: new URL(ORIGIN).host };
  if (method !== "GET") headers.Origin = ORIGIN;
  const res = await fetchWorker(
    new Request(ORIGIN + path, { method, headers, body: method === "GET" ? undefined : "{}" }),
    { ...env, APP_ENV: "production" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("development-only routes under APP_ENV=production", () => {
  for (const [path, method] of [
    ["/dev/seed", "POST"],
    ["/dev/seed", "GET"],
    ["/dev/mailbox", "GET"],
    ["/dev/mailbox/some-id", "GET"],
    ["/dev/bench-seed", "POST"],
    ["/dev/bench-feed", "POST"],
  ] as const) {
    it(`${method} ${path} answers 404`, async () => {
      const res = await asProduction(path, method);
      expect(res.status).toBe(404);
    });
  }
});
