import * as v from "valibot";
import { WEBHOOK_EVENT_TYPES } from "./schema";

export const EndpointInput = v.object({
  url: v.pipe(
    v.string("Enter the URL to send events to."),
    v.trim(),
    v.minLength(1, "Enter the URL to send events to."),
    v.maxLength(2000, "That URL is too long."),
  ),
  description: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, "Keep the description under 200 characters.")), ""),
  eventTypes: v.pipe(v.array(v.picklist(WEBHOOK_EVENT_TYPES, "Pick events from the list.")), v.minLength(1, "Pick at least one event.")),
});
export type EndpointInput = v.InferOutput<typeof EndpointInput>;
