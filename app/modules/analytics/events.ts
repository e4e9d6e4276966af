/**
 * The analytics queue's message format (decision 0091). A message is one idempotency unit: its `id`
 * is recorded when its events are applied, so a redelivered or re-sent message never counts twice.
 * Events carry the instant (ms) they happened; the consumer decides the creator-local day, so late
 * or out-of-order deliveries land on the right day.
 */
import * as v from "valibot";

export const PAGE_KINDS = ["storefront", "app", "product", "tier", "post", "service"] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

/** A page as the request saw it: resolved to a creator and item by the consumer. */
const PageRef = v.object({
  kind: v.picklist(PAGE_KINDS),
  /** Creator handle (storefront, product, post, service pages). */
  handle: v.optional(v.pipe(v.string(), v.maxLength(40))),
  /** App slug, product/post/service slug, or tier id. */
  key: v.optional(v.pipe(v.string(), v.maxLength(160))),
});

const Str = (max: number) => v.optional(v.pipe(v.string(), v.maxLength(max)));

export const AnalyticsEvent = v.variant("type", [
  v.object({
    type: v.picklist(["view", "try"]),
    at: v.number(),
    page: PageRef,
    /** Salted daily visitor key (`h:…`) or `u:<user id>` when signed in; absent = not counted as a unique. */
    visitor: Str(80),
    referrer: Str(120),
    utmSource: Str(80),
    utmMedium: Str(80),
    utmCampaign: Str(120),
    /**
     * How many identical hits this event stands for (decision 0145: an isolate merges hits with the
     * same page, visitor, sources and 15-minute slot into one event before sending). Absent = 1.
     */
    count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000))),
  }),
  v.object({ type: v.picklist(["follow", "unfollow"]), at: v.number(), creatorId: v.string() }),
  /** A paid promotion's card loaded into view / clicked (D115): counted per promotion, never as a page view. */
  v.object({ type: v.picklist(["promo_impression", "promo_click"]), at: v.number(), promotionId: v.pipe(v.string(), v.maxLength(40)) }),
]);
export type AnalyticsEvent = v.InferOutput<typeof AnalyticsEvent>;
export type PageEvent = Extract<AnalyticsEvent, { page: unknown }>;
export type PromotionEvent = Extract<AnalyticsEvent, { promotionId: string }>;
export type CreatorEvent = Exclude<AnalyticsEvent, PageEvent | PromotionEvent>;
export const isPromotionEvent = (e: AnalyticsEvent): e is PromotionEvent => e.type === "promo_impression" || e.type === "promo_click";
export const isPageEvent = (e: AnalyticsEvent): e is PageEvent => e.type === "view" || e.type === "try";

export const AnalyticsMessage = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  events: v.pipe(v.array(AnalyticsEvent), v.maxLength(500)),
});
export type AnalyticsMessage = v.InferOutput<typeof AnalyticsMessage>;
