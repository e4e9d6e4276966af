/**
 * Response shapes of the public API as valibot schemas: the presenters are typed by them and the
 * OpenAPI document is generated from them (with the modules' own input schemas for requests).
 */
import * as v from "valibot";

const id = v.string();
const isoTime = v.pipe(v.string(), v.isoTimestamp());
const nullableTime = v.nullable(isoTime);
const money = { currency: v.string(), amount: v.number() };

export const Me = v.object({
  id,
  email: v.string(),
  handle: v.nullable(v.string()),
  scopes: v.array(v.string()),
});

export const Storefront = v.object({
  handle: v.string(),
  displayName: v.string(),
  bio: v.string(),
  url: v.string(),
  avatarUrl: v.nullable(v.string()),
  links: v.record(v.string(), v.string()),
});

export const App = v.object({
  id,
  slug: v.string(),
  name: v.string(),
  tagline: v.string(),
  description: v.string(),
  appUrl: v.string(),
  demoVideoUrl: v.nullable(v.string()),
  category: v.string(),
  techStack: v.array(v.string()),
  status: v.string(),
  published: v.boolean(),
  url: v.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** A post as its owner sees it (the full body); public lists use `PublicPost`. */
export const Post = v.object({
  id,
  slug: v.string(),
  title: v.string(),
  excerpt: v.nullable(v.string()),
  body: v.string(),
  visibility: v.string(),
  tierIds: v.array(v.string()),
  productId: v.nullable(v.string()),
  appId: v.nullable(v.string()),
  status: v.string(),
  publishAt: nullableTime,
  publishedAt: nullableTime,
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** A post in a public list: never the body; the excerpt only of public posts. */
export const PublicPost = v.object({
  slug: v.string(),
  title: v.string(),
  excerpt: v.nullable(v.string()),
  visibility: v.string(),
  gated: v.boolean(),
  url: v.string(),
  publishedAt: nullableTime,
});

export const Product = v.object({
  id,
  slug: v.string(),
  type: v.string(),
  title: v.string(),
  description: v.string(),
  pricing: v.string(),
  priceAmount: v.number(),
  minimumAmount: v.nullable(v.number()),
  currency: v.string(),
  status: v.string(),
  createdAt: isoTime,
});

export const Tier = v.object({
  id,
  name: v.string(),
  description: v.string(),
  benefits: v.array(v.string()),
  pricing: v.string(),
  currency: v.string(),
  monthlyAmount: v.nullable(v.number()),
  annualAmount: v.nullable(v.number()),
  maxSubscribers: v.nullable(v.number()),
  status: v.string(),
});

export const Service = v.object({
  id,
  slug: v.string(),
  title: v.string(),
  description: v.string(),
  pricing: v.string(),
  priceAmount: v.number(),
  currency: v.string(),
  durationMinutes: v.number(),
  status: v.string(),
});

export const Order = v.object({
  id,
  productId: v.string(),
  customerEmail: v.nullable(v.string()),
  ...money,
  fee: v.number(),
  net: v.number(),
  status: v.string(),
  amountRefunded: v.number(),
  createdAt: isoTime,
});

export const Member = v.object({
  id,
  tierId: v.string(),
  customerEmail: v.nullable(v.string()),
  status: v.string(),
  interval: v.nullable(v.string()),
  amount: v.number(),
  currency: v.nullable(v.string()),
  currentPeriodEnd: nullableTime,
  createdAt: isoTime,
});

export const Follower = v.object({
  handle: v.nullable(v.string()),
  displayName: v.nullable(v.string()),
  followedAt: isoTime,
});

export const Booking = v.object({
  id,
  serviceId: v.string(),
  customerEmail: v.nullable(v.string()),
  status: v.string(),
  startAt: nullableTime,
  endAt: nullableTime,
  currency: v.string(),
  amount: v.number(),
  createdAt: isoTime,
});

export const page = <S extends v.GenericSchema>(item: S) => v.object({ data: v.array(item), nextCursor: v.nullable(v.string()) });
export const list = <S extends v.GenericSchema>(item: S) => v.object({ data: v.array(item) });

export const License = v.object({
  key: v.string(),
  status: v.picklist(["active", "revoked", "inactive"]),
  valid: v.boolean(),
  productId: v.nullable(v.string()),
  tierId: v.nullable(v.string()),
  activations: v.object({ used: v.number(), limit: v.nullable(v.number()) }),
  createdAt: isoTime,
});

export const LicenseVerification = v.object({ ...License.entries, instanceActivated: v.nullable(v.boolean()) });

export const Entitlements = v.object({
  customerEmail: v.string(),
  hasAccess: v.boolean(),
  memberships: v.array(v.object({ tierId: v.string(), tierName: v.string(), status: v.string(), currentPeriodEnd: nullableTime })),
  products: v.array(v.object({ productId: v.string(), title: v.string(), orderId: v.string(), purchasedAt: isoTime })),
  licenses: v.array(License),
});

export const LicensePolicy = v.object({ offerId: v.string(), offerType: v.string(), activationLimit: v.nullable(v.number()) });

export const Offerings = v.object({
  products: v.array(v.object({ slug: v.string(), title: v.string(), type: v.string(), priceLabel: v.string(), url: v.string() })),
  tiers: v.array(v.object({ id, name: v.string(), pricing: v.string(), currency: v.string(), monthlyAmount: v.nullable(v.number()) })),
  services: v.array(v.object({ slug: v.string(), title: v.string(), pricing: v.string(), url: v.string() })),
});

export const Created = v.object({ id });

export const Screenshot = v.object({ id, url: v.string() });

export const ProblemSchema = v.object({
  type: v.string(),
  title: v.string(),
  status: v.number(),
  detail: v.string(),
  errors: v.optional(v.record(v.string(), v.string())),
});
