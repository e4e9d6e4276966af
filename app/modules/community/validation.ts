import * as v from "valibot";
import { COMMENT_POLICIES, FEEDBACK_KINDS, FEEDBACK_STATUSES, REACTIONS, REPORT_REASONS, REPORT_TARGETS } from "./schema";

export const COMMENT_MAX = 5000;

const body = (max: number, what: string) =>
  v.pipe(
    v.string(`Write ${what}.`),
    v.trim(),
    v.nonEmpty(`Write ${what}.`),
    v.maxLength(max, `Keep ${what} under ${max.toLocaleString("en")} characters.`),
  );

export const CommentInput = v.object({
  body: body(COMMENT_MAX, "your comment"),
  parentId: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(40))),
});

export const CommentEdit = v.object({ body: body(COMMENT_MAX, "your comment") });

export const PolicyInput = v.object({
  policy: v.picklist(COMMENT_POLICIES, "Choose who may comment: everyone, members only, or off."),
});

export const ReactionInput = v.object({
  reaction: v.union([v.picklist(REACTIONS, "That reaction isn't available."), v.literal("")]),
});

export const ReportInput = v.object({
  targetType: v.picklist(REPORT_TARGETS, "Choose what you are reporting."),
  targetId: v.pipe(v.string("Choose what you are reporting."), v.trim(), v.nonEmpty("Choose what you are reporting."), v.maxLength(80)),
  reason: v.picklist(REPORT_REASONS, "Choose a reason."),
  note: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(1000, "Keep the note under 1,000 characters.")), ""),
});

export const FeedbackInput = v.object({
  kind: v.picklist(FEEDBACK_KINDS, "Choose idea, bug or question."),
  title: v.pipe(
    v.string("Give it a title."),
    v.trim(),
    v.minLength(4, "Give it a title of at least 4 characters."),
    v.maxLength(140, "Keep the title under 140 characters."),
  ),
  body: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(COMMENT_MAX, "Keep the description under 5,000 characters.")), ""),
});

export const FeedbackStatusInput = v.object({
  status: v.picklist(FEEDBACK_STATUSES, "Choose a status: open, planned, in progress, done or won't do."),
});
