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
