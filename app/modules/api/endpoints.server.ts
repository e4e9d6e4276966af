/**
 * Every /api/v1 endpoint in one table: method, path, scope, request and response schemas, handler.
 * The dispatcher (./handler.server) and the OpenAPI document (./openapi.server) both read it, so
 * the document cannot describe an endpoint that doesn't exist or miss one that does.
 */
import * as v from "valibot";
import { addScreenshot, createApp, deleteApp, removeScreenshot, updateApp } from "~/modules/apps/service.server";
import { AppInput } from "~/modules/apps/validation";
import { createPost, deletePost, publishPost, schedulePost, unpublishPost, updatePost } from "~/modules/posts/service.server";
import { PostInput, ScheduleInput } from "~/modules/posts/validation";
import { createProduct, priceLabel, updateProduct } from "~/modules/products/service.server";
import { ProductInput } from "~/modules/products/validation";
import { saveTier } from "~/modules/tiers/service.server";
import { TierInput } from "~/modules/tiers/validation";
import { createService, updateService } from "~/modules/services/service.server";
import { ServiceInput } from "~/modules/services/validation";
import {
  ActivationInput,
  LicenseKeyInput,
  LicensePolicyInput,
  VerifyInput,
  activateLicense,
  deactivateLicense,
  listLicensePolicies,
  removeLicensePolicy,
  revokeLicense,
  setLicensePolicy,
  verifyLicense,
} from "~/modules/licenses/service.server";
import { publicUrl } from "~/lib/public-url";
import type { ApiCaller } from "./auth.server";
import { cachedEntitlements } from "./entitlement-cache.server";
import * as Q from "./queries.server";
import * as R from "./responses";
import type { Scope } from "./scopes";

export type HandlerContext = {
  env: Env;
  ctx: ExecutionContext;
  /** Null only for public endpoints. */
  caller: ApiCaller | null;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The raw request body of an upload endpoint (an image), never buffered here. */
  upload: ReadableStream<Uint8Array> | null;
};

export type Endpoint = {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** OpenAPI-style path under /api/v1, e.g. "/apps/{slug}". */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** The scope a token needs; "token" = any valid token; "public" = no token, CORS open. */
  scope: Scope | "token" | "public";
  body?: v.GenericSchema;
  /** An upload: the body is the file itself (e.g. `Content-Type: image/png`), not JSON. */
  upload?: { mediaTypes: string[]; description: string };
  query?: Record<string, { description: string; required?: boolean }>;
  response: v.GenericSchema | null;
  status?: 200 | 201 | 204;
  handle(c: HandlerContext): Promise<unknown>;
};

const me = (c: HandlerContext) => c.caller!.viewer;
const PAGE_QUERY = {
  limit: { description: "Items per page, 1–100 (default 50)." },
  cursor: { description: "The `nextCursor` of the previous page." },
  since: { description: "Only items created at or after this ISO 8601 date/time." },
  until: { description: "Only items created before this ISO 8601 date/time." },
};

export const ENDPOINTS: Endpoint[] = [
  // ── account ────────────────────────────────────────────────────────────────────────────────
  {
    method: "GET",
    path: "/me",
    operationId: "getMe",
    summary: "The token's owner and scopes",
    tag: "Account",
    scope: "token",
    response: R.Me,
    handle: async (c) => ({
      id: me(c).id,
      email: me(c).email,
      handle: await Q.handleOf(c.env, me(c).id),
      scopes: [...c.caller!.scopes],
    }),
  },
  {
    method: "GET",
    path: "/storefront",
    operationId: "getStorefront",
    summary: "Your storefront",
    tag: "Account",
    scope: "storefront:read",
    response: R.Storefront,
    handle: (c) => Q.storefrontOf(c.env, me(c).id),
  },
  // ── apps ───────────────────────────────────────────────────────────────────────────────────
  {
    method: "GET",
    path: "/apps",
    operationId: "listApps",
    summary: "Your apps",
    tag: "Apps",
    scope: "apps:read",
    response: R.list(R.App),
    handle: async (c) => ({ data: (await Q.listOwnApps(c.env, me(c).id)).map((a) => Q.presentApp(c.env, a)) }),
  },
  {
    method: "POST",
    path: "/apps",
    operationId: "createApp",
    summary: "Register an app (published at once)",
    tag: "Apps",
    scope: "apps:write",
    body: AppInput,
    response: R.App,
    status: 201,
    handle: async (c) => {
      const { slug } = await createApp(c.env, me(c), c.body);
      return Q.presentApp(c.env, await Q.ownApp(c.env, me(c).id, slug));
    },
  },
  {
    method: "GET",
    path: "/apps/{slug}",
    operationId: "getApp",
    summary: "One of your apps",
    tag: "Apps",
    scope: "apps:read",
    response: R.App,
    handle: async (c) => Q.presentApp(c.env, await Q.ownApp(c.env, me(c).id, c.params.slug)),
  },
  {
    method: "PATCH",
    path: "/apps/{slug}",
    operationId: "updateApp",
    summary: "Change an app (fields not sent keep their value)",
    tag: "Apps",
    scope: "apps:write",
    body: v.partial(AppInput),
    response: R.App,
    handle: async (c) => {
      await Q.ownApp(c.env, me(c).id, c.params.slug);
      const { slug } = await updateApp(c.env, me(c), c.params.slug, c.body);
      return Q.presentApp(c.env, await Q.ownApp(c.env, me(c).id, slug));
    },
  },
  {
    method: "DELETE",
    path: "/apps/{slug}",
    operationId: "deleteApp",
    summary: "Delete an app",
    tag: "Apps",
    scope: "apps:write",
    response: null,
    status: 204,
    handle: async (c) => {
      await Q.ownApp(c.env, me(c).id, c.params.slug);
      await deleteApp(c.env, me(c), c.params.slug);
      return null;
    },
  },
  {
    method: "POST",
    path: "/apps/{slug}/screenshots",
    operationId: "addAppScreenshot",
    summary: "Upload a screenshot (PNG, JPEG, WebP or GIF as the raw body; at most 8 per app)",
    tag: "Apps",
    scope: "apps:write",
    upload: { mediaTypes: ["image/png", "image/jpeg", "image/webp", "image/gif"], description: "The image file itself." },
    response: R.Screenshot,
    status: 201,
    handle: async (c) => {
      await Q.ownApp(c.env, me(c).id, c.params.slug);
      const { id, url } = await addScreenshot(c.env, me(c), c.params.slug, c.upload);
      return { id, url: publicUrl(c.env, url) };
    },
  },
  {
    method: "DELETE",
    path: "/apps/{slug}/screenshots/{id}",
    operationId: "removeAppScreenshot",
    summary: "Remove a screenshot",
    tag: "Apps",
    scope: "apps:write",
    response: null,
    status: 204,
    handle: async (c) => {
      await Q.ownApp(c.env, me(c).id, c.params.slug);
      await removeScreenshot(c.env, me(c), c.params.slug, c.params.id);
      return null;
    },
  },
  // ── posts ──────────────────────────────────────────────────────────────────────────────────
  {
    method: "GET",
    path: "/posts",
    operationId: "listPosts",
    summary: "Your posts (drafts, scheduled and published)",
    tag: "Posts",
    scope: "posts:read",
    response: R.list(R.Post),
    handle: async (c) => ({ data: (await Q.listOwnPosts(c.env, me(c).id)).map(Q.presentPost) }),
  },
  {
    method: "POST",
    path: "/posts",
    operationId: "createPost",
    summary: "Write a post (a draft until published)",
    tag: "Posts",
    scope: "posts:write",
    body: PostInput,
    response: R.Post,
    status: 201,
    handle: async (c) => {
      const { id } = await createPost(c.env, me(c), c.body);
      return Q.presentPost(await Q.ownPost(c.env, me(c).id, id));
    },
  },
  {
    method: "GET",
    path: "/posts/{id}",
    operationId: "getPost",
    summary: "One of your posts, with its body",
    tag: "Posts",
    scope: "posts:read",
    response: R.Post,
    handle: async (c) => Q.presentPost(await Q.ownPost(c.env, me(c).id, c.params.id)),
  },
  {
    method: "PATCH",
    path: "/posts/{id}",
    operationId: "updatePost",
    summary: "Change a post (fields not sent keep their value)",
    tag: "Posts",
    scope: "posts:write",
    body: v.partial(PostInput),
    response: R.Post,
    handle: async (c) => {
      await Q.ownPost(c.env, me(c).id, c.params.id);
      await updatePost(c.env, me(c), c.params.id, c.body);
      return Q.presentPost(await Q.ownPost(c.env, me(c).id, c.params.id));
    },
  },
  {
    method: "DELETE",
    path: "/posts/{id}",
    operationId: "deletePost",
    summary: "Delete a post",
    tag: "Posts",
    scope: "posts:write",
    response: null,
    status: 204,
    handle: async (c) => {
      await Q.ownPost(c.env, me(c).id, c.params.id);
      await deletePost(c.env, me(c), c.params.id);
      return null;
    },
  },
  {
    method: "POST",
    path: "/posts/{id}/publish",
    operationId: "publishPost",
    summary: "Publish a post now (followers' feeds and emails follow)",
    tag: "Posts",
    scope: "posts:write",
    response: R.Post,
    handle: async (c) => {
      await Q.ownPost(c.env, me(c).id, c.params.id);
      await publishPost(c.env, me(c), c.params.id);
      return Q.presentPost(await Q.ownPost(c.env, me(c).id, c.params.id));
    },
  },
  {
    method: "POST",
    path: "/posts/{id}/schedule",
    operationId: "schedulePost",
    summary: "Schedule a post (publishAt in local time plus tzOffset minutes, as the editor sends it)",
    tag: "Posts",
    scope: "posts:write",
    body: ScheduleInput,
    response: R.Post,
    handle: async (c) => {
      await Q.ownPost(c.env, me(c).id, c.params.id);
      await schedulePost(c.env, me(c), c.params.id, c.body);
      return Q.presentPost(await Q.ownPost(c.env, me(c).id, c.params.id));
    },
  },
  {
    method: "POST",
    path: "/posts/{id}/unpublish",
    operationId: "unpublishPost",
    summary: "Turn a post back into a draft",
    tag: "Posts",
    scope: "posts:write",
    response: R.Post,
    handle: async (c) => {
      await Q.ownPost(c.env, me(c).id, c.params.id);
      await unpublishPost(c.env, me(c), c.params.id);
      return Q.presentPost(await Q.ownPost(c.env, me(c).id, c.params.id));
    },
  },
  // ── catalog: products, tiers, services ─────────────────────────────────────────────────────
  ...catalog("products", "Product", "catalog", ProductInput, R.Product, {
    list: (c) => Q.listOwnProducts(c.env, me(c).id).then((rows) => rows.map(Q.presentProduct)),
    get: (c, id) => Q.ownProduct(c.env, me(c).id, id).then(Q.presentProduct),
    create: (c) => createProduct(c.env, me(c), c.body),
    update: (c, id) => updateProduct(c.env, me(c), id, c.body),
  }),
  ...catalog("tiers", "Tier", "catalog", TierInput, R.Tier, {
    list: (c) => Q.listOwnTiers(c.env, me(c).id).then((rows) => rows.map(Q.presentTier)),
    get: (c, id) => Q.ownTier(c.env, me(c).id, id).then(Q.presentTier),
    create: (c) => saveTier(c.env, me(c), null, c.body),
    update: (c, id) => saveTier(c.env, me(c), id, c.body),
  }),
  ...catalog("services", "Service", "catalog", ServiceInput, R.Service, {
    list: (c) => Q.listOwnServices(c.env, me(c).id).then((rows) => rows.map(Q.presentService)),
    get: (c, id) => Q.ownService(c.env, me(c).id, id).then(Q.presentService),
    create: (c) => createService(c.env, me(c), c.body),
    update: (c, id) => updateService(c.env, me(c), id, c.body),
  }),
  // ── sales and audience (keyset pages) ──────────────────────────────────────────────────────
  {
    method: "GET",
    path: "/orders",
    operationId: "listOrders",
    summary: "Orders of your products, newest first",
    tag: "Sales",
    scope: "sales:read",
    query: PAGE_QUERY,
    response: R.page(R.Order),
    handle: (c) => Q.pageOrders(c.env, me(c).id, Q.pageQuery(c.query)),
  },
  {
    method: "GET",
    path: "/bookings",
    operationId: "listBookings",
    summary: "Bookings of your services, newest first",
    tag: "Sales",
    scope: "sales:read",
    query: PAGE_QUERY,
    response: R.page(R.Booking),
    handle: (c) => Q.pageBookings(c.env, me(c).id, Q.pageQuery(c.query)),
  },
  {
    method: "GET",
    path: "/members",
    operationId: "listMembers",
    summary: "Memberships of your tiers (every status), newest first",
    tag: "Audience",
    scope: "audience:read",
    query: PAGE_QUERY,
    response: R.page(R.Member),
    handle: (c) => Q.pageMembers(c.env, me(c).id, Q.pageQuery(c.query)),
  },
  {
    method: "GET",
    path: "/followers",
    operationId: "listFollowers",
    summary: "Your followers' public profiles, newest first",
    tag: "Audience",
    scope: "audience:read",
    query: PAGE_QUERY,
    response: R.page(R.Follower),
    handle: (c) => Q.pageFollowers(c.env, me(c).id, Q.pageQuery(c.query)),
  },
  // ── entitlements and license keys ──────────────────────────────────────────────────────────
  {
    method: "GET",
    path: "/entitlements",
    operationId: "getEntitlements",
    summary: "What a customer currently has from you: live memberships, paid products, license keys",
    tag: "Licenses",
    scope: "licenses:read",
    query: { customer_email: { description: "The customer's email address.", required: true } },
    response: R.Entitlements,
    handle: (c) => cachedEntitlements(c.env, c.ctx, c.caller!, c.query),
  },
  {
    method: "POST",
    path: "/licenses/verify",
    operationId: "verifyLicense",
    summary: "Is this license key valid now (and activated on this instance)?",
    tag: "Licenses",
    scope: "licenses:read",
    body: VerifyInput,
    response: R.LicenseVerification,
    handle: (c) => verifyLicense(c.env, me(c).id, c.body),
  },
  {
    method: "POST",
    path: "/licenses/activate",
    operationId: "activateLicense",
    summary: "Activate a key on an instance (exact activation limit; repeat activations are free)",
    tag: "Licenses",
    scope: "licenses:write",
    body: ActivationInput,
    response: R.LicenseVerification,
    handle: (c) => activateLicense(c.env, me(c).id, c.body),
  },
  {
    method: "POST",
    path: "/licenses/deactivate",
    operationId: "deactivateLicense",
    summary: "Free one activation of a key",
    tag: "Licenses",
    scope: "licenses:write",
    body: ActivationInput,
    response: R.LicenseVerification,
    handle: (c) => deactivateLicense(c.env, me(c).id, c.body),
  },
  {
    method: "POST",
    path: "/licenses/revoke",
    operationId: "revokeLicense",
    summary: "Revoke a key for good (e.g. it leaked)",
    tag: "Licenses",
    scope: "licenses:write",
    body: LicenseKeyInput,
    response: R.LicenseVerification,
    handle: (c) => revokeLicense(c.env, me(c).id, c.body),
  },
  {
    method: "GET",
    path: "/license-policies",
    operationId: "listLicensePolicies",
    summary: "Which of your products and tiers grant license keys",
    tag: "Licenses",
    scope: "licenses:read",
    response: R.list(R.LicensePolicy),
    handle: async (c) => ({ data: await listLicensePolicies(c.env, me(c).id) }),
  },
  {
    method: "PUT",
    path: "/license-policies/{offerId}",
    operationId: "setLicensePolicy",
    summary: "Make a product or tier grant a license key per sale (optional activation limit)",
    tag: "Licenses",
    scope: "licenses:write",
    body: LicensePolicyInput,
    response: R.LicensePolicy,
    handle: (c) => setLicensePolicy(c.env, me(c), c.params.offerId, c.body),
  },
  {
    method: "DELETE",
    path: "/license-policies/{offerId}",
    operationId: "removeLicensePolicy",
    summary: "Stop granting keys for a product or tier (granted keys keep working)",
    tag: "Licenses",
    scope: "licenses:write",
    response: null,
    status: 204,
    handle: async (c) => {
      await removeLicensePolicy(c.env, me(c), c.params.offerId);
      return null;
    },
  },
  // ── public storefront data (no token; CORS open) ───────────────────────────────────────────
  {
    method: "GET",
    path: "/public/storefronts/{handle}",
    operationId: "getPublicStorefront",
    summary: "A storefront's public profile",
    tag: "Public",
    scope: "public",
    response: R.Storefront,
    handle: (c) => Q.publicStorefront(c.env, c.params.handle),
  },
  {
    method: "GET",
    path: "/public/storefronts/{handle}/apps",
    operationId: "listPublicApps",
    summary: "A storefront's published apps",
    tag: "Public",
    scope: "public",
    response: R.list(R.App),
    handle: (c) => Q.publicApps(c.env, c.params.handle),
  },
  {
    method: "GET",
    path: "/public/storefronts/{handle}/posts",
    operationId: "listPublicPosts",
    summary: "A storefront's published posts (gated posts without their text)",
    tag: "Public",
    scope: "public",
    response: R.list(R.PublicPost),
    handle: (c) => Q.publicPosts(c.env, c.params.handle),
  },
  {
    method: "GET",
    path: "/public/storefronts/{handle}/offerings",
    operationId: "getPublicOfferings",
    summary: "A storefront's products, membership tiers and services",
    tag: "Public",
    scope: "public",
    response: R.Offerings,
    handle: (c) => Q.publicOfferings(c.env, c.params.handle, priceLabel),
  },
];

/** List, create, get and update for one catalog resource, all through its module's own service. */
function catalog(
  plural: string,
  singular: string,
  group: "catalog",
  input: v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>,
  response: v.GenericSchema,
  ops: {
    list(c: HandlerContext): Promise<unknown[]>;
    get(c: HandlerContext, id: string): Promise<unknown>;
    create(c: HandlerContext): Promise<{ id: string }>;
    update(c: HandlerContext, id: string): Promise<unknown>;
  },
): Endpoint[] {
  const tag = "Catalog";
  return [
    {
      method: "GET",
      path: `/${plural}`,
      operationId: `list${singular}s`,
      summary: `Your ${plural}`,
      tag,
      scope: `${group}:read`,
      response: R.list(response),
      handle: async (c) => ({ data: await ops.list(c) }),
    },
    {
      method: "POST",
      path: `/${plural}`,
      operationId: `create${singular}`,
      summary: `Create a ${singular.toLowerCase()}`,
      tag,
      scope: `${group}:write`,
      body: input,
      response,
      status: 201,
      handle: async (c) => ops.get(c, (await ops.create(c)).id),
    },
    {
      method: "GET",
      path: `/${plural}/{id}`,
      operationId: `get${singular}`,
      summary: `One of your ${plural}`,
      tag,
      scope: `${group}:read`,
      response,
      handle: (c) => ops.get(c, c.params.id),
    },
    {
      method: "PATCH",
      path: `/${plural}/{id}`,
      operationId: `update${singular}`,
      summary: `Change a ${singular.toLowerCase()} (fields not sent keep their value)`,
      tag,
      scope: `${group}:write`,
      body: v.partial(input),
      response,
      handle: async (c) => {
        await ops.get(c, c.params.id);
        await ops.update(c, c.params.id);
        return ops.get(c, c.params.id);
      },
    },
  ];
}

/** Matches a request path (under /api/v1) to an endpoint; `allowed` lists methods when only the path matched. */
export function matchEndpoint(
  method: string,
  path: string,
): { endpoint: Endpoint; params: Record<string, string> } | { allowed: string[] } | null {
  const parts = path.split("/").filter(Boolean);
  const allowed: string[] = [];
  for (const e of ENDPOINTS) {
    const pattern = e.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const m = /^\{(\w+)\}$/.exec(pattern[i]);
      if (m) {
        try {
          params[m[1]] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
        }
      } else ok = pattern[i] === parts[i];
    }
    if (!ok) continue;
    if (e.method === method) return { endpoint: e, params };
    allowed.push(e.method);
  }
  return allowed.length ? { allowed } : null;
}
