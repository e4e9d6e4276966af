import { describe, expect, it } from "vitest";
import { api } from "~/test/api";

describe("the OpenAPI document", () => {
  it("is served at /api/v1/openapi.json and matches the committed copy the typed client is generated from", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    // `npm run api:types` refreshes the copy and the generated client types when this fails.
    await expect(JSON.stringify(doc, null, 2) + "\n").toMatchFileSnapshot("./openapi.json");
  });
});
