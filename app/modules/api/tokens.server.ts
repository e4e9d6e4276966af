import * as v from "valibot";
import { and, desc, eq, isNull } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { notFound } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { apiTokens } from "./schema";
import { ALL_SCOPES, EXPIRY_CHOICES, TOKEN_PREFIX, isScope, type Scope } from "./scopes";

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** `at_pat_` + 32 random bytes (256 bits) in base64url: recognisable by secret scanners, unguessable. */
export function newPersonalToken(): string {
  return TOKEN_PREFIX + b64url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const looksLikePersonalToken = (t: string): boolean => /^at_pat_[A-Za-z0-9_-]{43}$/.test(t);

const toList = (x: unknown): unknown[] => (Array.isArray(x) ? x : typeof x === "string" ? x.split(/[\s,]+/).filter(Boolean) : []);

export const TokenInput = v.object({
  name: v.pipe(
    v.string("Give the token a name."),
    v.trim(),
    v.nonEmpty("Give the token a name."),
    v.maxLength(60, "Keep the name under 60 characters."),
  ),
  scopes: v.pipe(
    v.unknown(),
    v.transform(toList),
    v.array(v.pipe(v.string(), v.check(isScope, "Unknown scope."))),
    v.minLength(1, "Choose at least one permission."),
    v.transform((list) => [...new Set(list)] as Scope[]),
  ),
  expiresInDays: v.pipe(
    v.optional(v.unknown(), "90"),
    v.transform((x) => Number(x)),
    v.number("Choose when the token expires."),
    v.check((n) => EXPIRY_CHOICES.some((c) => c.days === n), "Choose when the token expires."),
  ),
});

/**
 * Creates a personal access token. The token itself is returned once and never stored: only its
 * SHA-256 and its first characters (to recognise it in the list).
 */
export async function createPersonalToken(env: Env, viewer: Viewer, input: unknown, now = nowSeconds()) {
  const p = parseOrThrow(TokenInput, input);
  const token = newPersonalToken();
  const id = newId();
  await getDb(env)
    .insert(apiTokens)
    .values({
      id,
      userId: viewer.id,
      name: p.name,
      tokenHash: await hashToken(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 4),
      scopes: ALL_SCOPES.filter((s) => p.scopes.includes(s)).join(" "),
      expiresAt: p.expiresInDays ? now + p.expiresInDays * 86_400 : null,
      createdAt: now,
    });
  return { id, token, name: p.name };
}

export async function listPersonalTokens(env: Env, viewer: Viewer) {
  const rows = await getDb(env)
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      scopes: apiTokens.scopes,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
      createdAt: apiTokens.createdAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.userId, viewer.id))
    .orderBy(desc(apiTokens.createdAt))
    .limit(100);
  return rows.map((r) => ({ ...r, scopes: r.scopes.split(" ") }));
}

/** Revokes one of the viewer's tokens; it stops working on the next request. */
export async function revokePersonalToken(env: Env, viewer: Viewer, tokenId: string, now = nowSeconds()) {
  const [row] = await getDb(env)
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, viewer.id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (!row) throw notFound("That token doesn't exist or was already revoked.");
}
