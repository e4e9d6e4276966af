import { toJsonSchema, toJsonSchemaDefs } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { publicUrl } from "~/lib/public-url";
import { ENDPOINTS } from "./endpoints.server";
import * as R from "./responses";
import { ALL_SCOPES } from "./scopes";

type Json = Record<string, unknown>;

/**
 * JSON Schema of a valibot schema. Requests are described by their INPUT type (what a client
 * sends, before the module's trims and transforms), responses by their output type. Checks that
 * JSON Schema can't express (custom `check`s) are left to the server, which answers 422.
 */
function schemaOf(schema: v.GenericSchema, mode: "input" | "output"): Json {
  const definitions = mode === "output" ? NAMED : {};
  const json = toJsonSchema(schema, { typeMode: mode, errorMode: "ignore", definitions }) as Json;
  delete json.$schema;
  delete json.$defs;
  return componentRefs(json);
}

/** Response shapes shared by several endpoints become named components (and named client types). */
const NAMED: Record<string, v.GenericSchema> = {
  Me: R.Me,
  Storefront: R.Storefront,
  App: R.App,
  Post: R.Post,
  PublicPost: R.PublicPost,
  Product: R.Product,
  Tier: R.Tier,
  Service: R.Service,
  Order: R.Order,
  Member: R.Member,
  Follower: R.Follower,
  Booking: R.Booking,
  License: R.License,
  LicenseVerification: R.LicenseVerification,
  Entitlements: R.Entitlements,
  LicensePolicy: R.LicensePolicy,
  Offerings: R.Offerings,
  Screenshot: R.Screenshot,
  Problem: R.ProblemSchema,
};

const componentRefs = (json: Json): Json => JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/'));

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });

const PROBLEM_RESPONSES = {
  NotFound: problem("Not found (another creator's resource answers the same)."),
  Invalid: problem("Invalid input: `errors` names each field."),
  Error: problem("Any other error, as an RFC 9457 problem document."),
  Unauthorized: problem("Missing, invalid, revoked or expired token."),
  Forbidden: problem("The token lacks the scope, or its account is suspended."),
  TooManyRequests: {
    ...problem("Rate limit reached; see Retry-After and RateLimit-* headers."),
    headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds until the window resets." } },
  },
};

let built: { origin: string; doc: Json } | null = null;

/** The OpenAPI 3.1 document, generated from the endpoint table and its valibot schemas. */
export function buildOpenApi(env: Env): Json {
  const origin = publicUrl(env, "");
  if (built?.origin === origin) return built.doc;
  const paths: Record<string, Json> = {};
  for (const e of ENDPOINTS) {
    const params: Json[] = [];
    for (const m of e.path.matchAll(/\{(\w+)\}/g)) params.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
    for (const [name, q] of Object.entries(e.query ?? {}))
      params.push({ name, in: "query", required: !!q.required, description: q.description, schema: { type: "string" } });
    if (e.method === "POST" && e.scope !== "public")
      params.push({
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: "Makes the POST safe to retry: the same key replays the stored response for 24 hours.",
        schema: { type: "string", maxLength: 255 },
      });
    const status = String(e.status ?? 200);
    const responses: Json = {
      [status]:
        e.response === null
          ? { description: "Done." }
          : { description: "Success.", content: { "application/json": { schema: schemaOf(e.response, "output") } } },
      "404": ref("NotFound"),
      "422": ref("Invalid"),
      default: ref("Error"),
    };
    if (e.scope !== "public") {
      responses["401"] = ref("Unauthorized");
      responses["403"] = ref("Forbidden");
      responses["429"] = ref("TooManyRequests");
    }
    const op: Json = {
      operationId: e.operationId,
      summary: e.summary,
      tags: [e.tag],
      security: e.scope === "public" ? [] : [{ bearerAuth: [] }],
      "x-required-scope": e.scope === "public" || e.scope === "token" ? null : e.scope,
      parameters: params,
      responses,
    };
    if (e.upload)
      op.requestBody = {
        required: true,
        description: e.upload.description,
        content: Object.fromEntries(e.upload.mediaTypes.map((t) => [t, { schema: { type: "string", contentMediaType: t } }])),
      };
    if (e.body) op.requestBody = { required: true, content: { "application/json": { schema: schemaOf(e.body, "input") } } };
    (paths[e.path] ??= {})[e.method.toLowerCase()] = op;
  }
  const doc: Json = {
    openapi: "3.1.0",
    info: {
      title: "All Thrive API",
      version: "1.0.0",
      description:
        "Your storefront, apps, posts, catalog, sales, audience, license keys and entitlements. Authenticate with a personal access token (Settings → API tokens) as `Authorization: Bearer at_pat_…`.",
    },
    servers: [{ url: `${origin}/api/v1` }],
    tags: ["Account", "Apps", "Posts", "Catalog", "Sales", "Audience", "Licenses", "Public"].map((name) => ({ name })),
    paths,
    components: {
      responses: PROBLEM_RESPONSES,
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: `Personal access token. Scopes: ${ALL_SCOPES.join(", ")}.` },
      },
      schemas: Object.fromEntries(
        Object.entries(toJsonSchemaDefs(NAMED, { typeMode: "output", errorMode: "ignore" })).map(([k, val]) => [
          k,
          componentRefs(val as Json),
        ]),
      ),
    },
  };
  built = { origin, doc };
  return doc;
}
