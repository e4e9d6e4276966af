/**
 * The creator NPS survey (decision 0122): "How likely are you to recommend All Thrive to another
 * creator?" (0–10, optional comment), shown on the creator dashboard at most once per UTC quarter.
 * Answering or dismissing closes it for the quarter; one row per creator per quarter (primary key),
 * so a double submit or a second tab records nothing more. NPS = % promoters (9–10) − % detractors (0–6).
 */
import * as v from "valibot";
import { forbidden, unprocessable } from "~/lib/errors";
import type { Viewer } from "~/modules/identity/auth.server";
import type { Table } from "./service.server";
import { NpsForm } from "./validation";

/** "YYYY-Qn" of an instant, UTC. */
export function quarterOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/** Whether the survey is due for this creator this quarter (no answer or dismissal yet). */
export async function npsDue(env: Env, creatorId: string, nowMs = Date.now()): Promise<{ quarter: string } | null> {
  const quarter = quarterOf(nowMs);
  const row = await env.DB.prepare("SELECT 1 AS x FROM creator_nps WHERE creator_id = ?1 AND quarter = ?2")
    .bind(creatorId, quarter)
    .first();
  return row ? null : { quarter };
}

/** Records an answer or a dismissal for this quarter. `recorded` is false when the quarter was already closed. */
export async function recordNps(env: Env, viewer: Viewer, input: unknown, nowMs = Date.now()) {
  const parsed = v.safeParse(NpsForm, input);
  if (!parsed.success) {
    const message = parsed.issues[0].message;
    throw unprocessable(message, { [String(parsed.issues[0].path?.[0]?.key ?? "score")]: message });
  }
  const f = parsed.output;
  const score = f.intent === "answer" ? f.score : null;
  const comment = f.intent === "answer" && f.comment ? f.comment : null;
  // The creator check and the write are one statement: nothing is written for a non-creator.
  const res = await env.DB.prepare(
    `INSERT INTO creator_nps (creator_id, quarter, score, comment, at) SELECT user_id, ?2, ?3, ?4, ?5 FROM creators WHERE user_id = ?1
     ON CONFLICT (creator_id, quarter) DO NOTHING`,
  )
    .bind(viewer.id, quarterOf(nowMs), score, comment, Math.floor(nowMs / 1000))
    .run();
  if (res.meta.changes === 0) {
    const isCreator = await env.DB.prepare("SELECT 1 AS x FROM creators WHERE user_id = ?1").bind(viewer.id).first();
    if (!isCreator) throw forbidden("The survey is for creators.");
  }
  return { ok: true as const, recorded: res.meta.changes === 1, intent: f.intent };
}

const npsScore = (promoters: number, detractors: number, answers: number) =>
  answers > 0 ? Math.round(((promoters - detractors) / answers) * 100) : null;

/** NPS per quarter, newest first (the last 12 quarters), for /admin/metrics' D1 batch. */
export const NPS_BY_QUARTER_SQL = `SELECT quarter, COUNT(score) AS answers,
    COALESCE(SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), 0) AS promoters,
    COALESCE(SUM(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END), 0) AS passives,
    COALESCE(SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END), 0) AS detractors,
    COALESCE(SUM(CASE WHEN score IS NULL THEN 1 ELSE 0 END), 0) AS dismissed
  FROM creator_nps GROUP BY quarter ORDER BY quarter DESC LIMIT 12`;

/** The `nps` table of /admin/metrics (the page and its CSV show the same rows). */
export function npsTableOf(
  rows: { quarter: string; answers: number; promoters: number; passives: number; detractors: number; dismissed: number }[],
): Table {
  return {
    title: "Creator NPS by quarter (UTC)",
    columns: [
      { key: "quarter", label: "Quarter", type: "text" },
      { key: "nps", label: "NPS", type: "int" },
      { key: "answers", label: "Answers", type: "int" },
      { key: "promoters", label: "Promoters (9–10)", type: "int" },
      { key: "passives", label: "Passives (7–8)", type: "int" },
      { key: "detractors", label: "Detractors (0–6)", type: "int" },
      { key: "dismissed", label: "Dismissed", type: "int" },
    ],
    rows: rows.map((r) => [
      r.quarter,
      npsScore(r.promoters, r.detractors, r.answers),
      r.answers,
      r.promoters,
      r.passives,
      r.detractors,
      r.dismissed,
    ]),
  };
}
