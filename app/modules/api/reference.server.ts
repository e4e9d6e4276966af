import { publicUrl } from "~/lib/public-url";
import { buildOpenApi } from "./openapi.server";

type Json = Record<string, unknown>;
type Schema = {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
  items?: Schema;
  anyOf?: Schema[];
};

const typeLabel = (s: Schema | undefined): string => {
  if (!s) return "any";
  if (s.$ref) return s.$ref.split("/").pop()!;
  if (s.enum) return s.enum.map((x) => JSON.stringify(x)).join(" | ");
  if (s.anyOf) return s.anyOf.map(typeLabel).join(" | ");
  if (s.type === "array") return `${typeLabel(s.items)}[]`;
  if (s.type === "object" && s.properties?.data)
    return `{ data: ${typeLabel(s.properties.data)}${s.properties.nextCursor ? ", nextCursor" : ""} }`;
  return Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
};

/** The API reference page's data, read from the OpenAPI document itself (never a second description). */
export function apiReference(env: Env) {
  const doc = buildOpenApi(env) as { paths: Record<string, Record<string, Json>>; tags: { name: string }[] };
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const o = op as {
        operationId: string;
        summary: string;
        tags: string[];
        security: unknown[];
        "x-required-scope": string | null;
        parameters: { name: string; in: string; required: boolean; description?: string }[];
        requestBody?: { content: Record<string, { schema: Schema } | undefined> };
        responses: Record<string, { content?: { "application/json"?: { schema: Schema } } }>;
      };
      const body = o.requestBody?.content["application/json"]?.schema;
      const ok = Object.entries(o.responses).find(([code]) => /^2/.test(code));
      return {
        id: o.operationId,
        method: method.toUpperCase(),
        path: `/api/v1${path}`,
        summary: o.summary,
        tag: o.tags[0],
        scope: o.security.length === 0 ? "public" : o["x-required-scope"],
        params: o.parameters.map((p) => ({ name: p.name, in: p.in, required: p.required, description: p.description ?? "" })),
        body: Object.entries(body?.properties ?? {}).map(([name, s]) => ({
          name,
          type: typeLabel(s),
          required: !!body?.required?.includes(name),
        })),
        uploadTypes: body ? [] : Object.keys(o.requestBody?.content ?? {}),
        returns: ok
          ? ok[1].content?.["application/json"]
            ? typeLabel(ok[1].content["application/json"].schema)
            : `${ok[0]} No Content`
          : "",
      };
    }),
  );
  const baseUrl = publicUrl(env, "/api/v1");
  return {
    baseUrl,
    curl: `curl -H "Authorization: Bearer $ALLTHRIVE_TOKEN" \\\n  "${baseUrl}/entitlements?customer_email=ada@example.com"`,
    groups: doc.tags.map((t) => ({ tag: t.name, operations: ops.filter((o) => o.tag === t.name) })).filter((g) => g.operations.length),
  };
}
