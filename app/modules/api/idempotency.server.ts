import { AppError, conflict, unprocessable } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { hashToken } from "./tokens.server";

const KEEP_SECONDS = 86_400;

export type StoredResponse = { status: number; body: unknown };

/**
 * Runs a POST at most once per (token, `Idempotency-Key`). The key is claimed by one conditional
 * upsert (state `pending`) before the work runs, so of two concurrent duplicates exactly one runs
 * and the other gets 409; a finished request's response (success or expected error) is stored and
 * replayed for 24 hours. A bug (500) releases the key so the client may retry.
 */
export async function runIdempotent(
  env: Env,
  tokenId: string,
  key: string | null,
  fingerprint: string,
  work: () => Promise<StoredResponse>,
  now = nowSeconds(),
): Promise<StoredResponse & { replayed: boolean }> {
  if (key === null) return { ...(await work()), replayed: false };
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw unprocessable("Idempotency-Key must be 1–255 visible ASCII characters.");
  const requestHash = await hashToken(fingerprint);
  const claimed = await env.DB.prepare(
    `INSERT INTO api_idempotency_keys (token_id, key, request_hash, state, status, body, created_at)
     VALUES (?1, ?2, ?3, 'pending', NULL, NULL, ?4)
     ON CONFLICT (token_id, key) DO UPDATE SET request_hash = excluded.request_hash, state = 'pending',
       status = NULL, body = NULL, created_at = excluded.created_at
       WHERE api_idempotency_keys.created_at <= ?5
     RETURNING token_id`,
  )
    .bind(tokenId, key, requestHash, now, now - KEEP_SECONDS)
    .first();
  if (!claimed) {
    const row = await env.DB.prepare(`SELECT request_hash, state, status, body FROM api_idempotency_keys WHERE token_id = ?1 AND key = ?2`)
      .bind(tokenId, key)
      .first<{ request_hash: string; state: string; status: number | null; body: string | null }>();
    if (!row) throw conflict("A request with this Idempotency-Key is still in progress. Try again shortly.");
    if (row.request_hash !== requestHash) throw unprocessable("This Idempotency-Key was already used for a different request.");
    if (row.state !== "done") throw conflict("A request with this Idempotency-Key is still in progress. Try again shortly.");
    return { status: row.status ?? 200, body: JSON.parse(row.body ?? "null"), replayed: true };
  }
  let out: StoredResponse;
  try {
    out = await work();
  } catch (e) {
    if (e instanceof AppError && e.status < 500 && e.status !== 429) {
      out = { status: e.status, body: { __problem: { message: e.message, errors: e.fieldErrors } } };
    } else {
      await env.DB.prepare(`DELETE FROM api_idempotency_keys WHERE token_id = ?1 AND key = ?2`).bind(tokenId, key).run();
      throw e;
    }
  }
  await env.DB.prepare(`UPDATE api_idempotency_keys SET state = 'done', status = ?3, body = ?4 WHERE token_id = ?1 AND key = ?2`)
    .bind(tokenId, key, out.status, JSON.stringify(out.body))
    .run();
  return { ...out, replayed: false };
}
