// Parsing of Stripe-style form-encoded parameters (`a[b][0][c]=x`, `expand[]=y`) into nested
// objects, plus small coercion helpers that raise Stripe-shaped errors for bad values.

import { ApiError } from "./errors.mjs";

const UNSAFE_KEYS = new Set(["__proto__", "prototype", "constructor"]);

/** Splits `a[b][0][]` into ['a', 'b', '0', '']. */
function splitKey(key) {
  const first = key.indexOf("[");
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  re.lastIndex = first;
  let m;
  while ((m = re.exec(key))) parts.push(m[1]);
  return parts;
}

/**
 * Parses an `application/x-www-form-urlencoded` string (or URLSearchParams) into a nested object.
 * Objects whose keys are all integers become arrays (except under `metadata`, where numeric keys
 * are legitimate map keys). Every leaf stays a string, as the wire format has no types.
 */
export function parseForm(input) {
  const params = input instanceof URLSearchParams ? input : new URLSearchParams(input ?? "");
  const root = {};
  for (const [rawKey, value] of params) {
    const path = splitKey(rawKey);
    if (path.some((p) => UNSAFE_KEYS.has(p)) || path[0] === "") continue;
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let seg = path[i];
      if (seg === "") seg = String(Object.keys(node).length); // `expand[]=x` appends
      const last = i === path.length - 1;
      if (last) {
        node[seg] = value;
      } else {
        if (node[seg] === null || typeof node[seg] !== "object") node[seg] = {};
        node = node[seg];
      }
    }
  }
  return arrayify(root, null);
}

function arrayify(value, parentKey) {
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  for (const k of keys) value[k] = arrayify(value[k], k);
  if (parentKey !== "metadata" && keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k]);
  }
  return value;
}

/** Treats an object with numeric keys or a lone value as a list (params may arrive either way). */
export function asArray(value) {
  if (value === undefined || value === null || value === "") return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object") return Object.values(value);
  return [value];
}

export function str(value, param) {
  if (value === undefined) return undefined;
  if (typeof value === "object" && value !== null) {
    throw new ApiError(400, `Invalid string: {...}`, { param });
  }
  return value === null ? null : String(value);
}

export function int(value, param) {
  if (value === undefined) return undefined;
  if (value === "" || value === null) return null;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  throw new ApiError(400, `Invalid integer: ${typeof value === "object" ? "{...}" : value}`, { param });
}

export function num(value, param) {
  if (value === undefined) return undefined;
  if (value === "" || value === null) return null;
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isFinite(n)) throw new ApiError(400, `Invalid decimal: ${value}`, { param });
  return n;
}

export function bool(value, param) {
  if (value === undefined) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new ApiError(400, `Invalid boolean: ${value}`, { param });
}

export function required(value, param) {
  if (value === undefined || value === null || value === "") {
    throw new ApiError(400, `Missing required param: ${param}.`, { param, code: "parameter_missing" });
  }
  return value;
}

export function oneOf(value, allowed, param) {
  if (value === undefined) return undefined;
  if (!allowed.includes(value)) {
    throw new ApiError(400, `Invalid ${param}: must be one of ${allowed.join(", ")}`, {
      param,
      code: "parameter_invalid_string",
    });
  }
  return value;
}

/** Stripe metadata semantics: keys merge, `''` unsets a key, `metadata=''` clears everything. */
export function mergeMetadata(existing, param, paramName = "metadata") {
  if (param === undefined) return existing ?? {};
  if (param === "" || param === null) return {};
  if (typeof param !== "object" || Array.isArray(param)) {
    throw new ApiError(400, `Invalid object`, { param: paramName });
  }
  const out = { ...(existing ?? {}) };
  for (const [k, v] of Object.entries(param)) {
    if (v === "" || v === null) delete out[k];
    else out[k] = String(v);
  }
  const keys = Object.keys(out);
  if (keys.length > 50) {
    throw new ApiError(400, "Invalid metadata: metadata cannot have more than 50 keys", { param: paramName });
  }
  for (const k of keys) {
    if (k.length > 40) {
      throw new ApiError(400, `Invalid metadata: keys can be at most 40 characters (${k})`, { param: `${paramName}[${k}]` });
    }
    if (out[k].length > 500) {
      throw new ApiError(400, `Invalid metadata: values can be at most 500 characters`, { param: `${paramName}[${k}]` });
    }
  }
  return out;
}
