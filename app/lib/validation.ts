import * as v from "valibot";
import { unprocessable } from "./errors";

/**
 * Parses input with a valibot schema; on failure throws a 422 whose field errors
 * name the first problem per field, in words a person understands.
 */
export function parseOrThrow<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.issues) {
    const key = v.getDotPath(issue) ?? "form";
    if (!fieldErrors[key]) fieldErrors[key] = issue.message;
  }
  const first = Object.values(fieldErrors)[0] ?? "Please check the form.";
  throw unprocessable(first, fieldErrors);
}

/** FormData → plain object (last value wins; files kept as File). */
export function formToObject(form: FormData): Record<string, FormDataEntryValue> {
  const out: Record<string, FormDataEntryValue> = {};
  for (const [k, val] of form.entries()) out[k] = val;
  return out;
}

export const trimmed = (message: string) => v.pipe(v.string(message), v.trim());

/**
 * An edit's input with every field the request does NOT carry taken from the stored record (in the
 * form's own shape), so a field missing from a request never changes — only defaults for NEW
 * records come from the schema. A field sent empty ("") is a deliberate change and is kept.
 */
export function overStored(raw: unknown, stored: Record<string, unknown>): Record<string, unknown> {
  const sent = (raw ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...stored };
  for (const [k, val] of Object.entries(sent)) if (val !== undefined && val !== null) out[k] = val;
  return out;
}
