import * as v from "valibot";

/** One page of a fan-out: followers of `creatorId` with id > `after` (null = from the start). */
export const FanoutMessage = v.object({
  type: v.literal("fanout"),
  activityId: v.pipe(v.string(), v.minLength(1)),
  creatorId: v.pipe(v.string(), v.minLength(1)),
  after: v.nullable(v.string()),
  /** Also notify and email (posts); false for app activities. */
  notify: v.boolean(),
});
export type FanoutMessage = v.InferOutput<typeof FanoutMessage>;

/** New-post emails for up to 50 recipients; each (post, recipient) is sent at most once. */
export const PostEmailMessage = v.object({
  type: v.literal("post_email"),
  postId: v.pipe(v.string(), v.minLength(1)),
  userIds: v.pipe(v.array(v.string()), v.maxLength(100)),
});
export type PostEmailMessage = v.InferOutput<typeof PostEmailMessage>;

/** A new follow: copy the creator's latest items into the follower's stored feed (once; idempotent). */
export const BackfillMessage = v.object({
  type: v.literal("backfill"),
  userId: v.pipe(v.string(), v.minLength(1)),
  creatorId: v.pipe(v.string(), v.minLength(1)),
});
export type BackfillMessage = v.InferOutput<typeof BackfillMessage>;

/** Everything the fan-out queue carries. */
export const FeedQueueMessage = v.variant("type", [FanoutMessage, BackfillMessage]);
export type FeedQueueMessage = v.InferOutput<typeof FeedQueueMessage>;

/**
 * A creator deleted their account: tell these members that their membership won't renew (decision
 * 68). Sent through the email queue; each (membership) is emailed at most once.
 */
export const CreatorLeavingEmailMessage = v.object({
  type: v.literal("creator_leaving"),
  creatorName: v.string(),
  membershipIds: v.pipe(v.array(v.string()), v.maxLength(100)),
});
export type CreatorLeavingEmailMessage = v.InferOutput<typeof CreatorLeavingEmailMessage>;
