import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, vi } from "vitest";

/**
 * Every file gets the schema: the migrations not yet recorded in `d1_migrations` (the table
 * `applyD1Migrations` and wrangler keep), in order, with their rows, as ONE D1 batch. The same
 * statements `applyD1Migrations` would run, in one transaction instead of one per migration: each
 * batch is a round trip to D1, and 40-odd of them cost every test file ~1–2 s (decision 0143).
 */
async function applyMigrations(db: D1Database, migrations: D1Migration[]) {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
    )
    .run();
  const applied = new Set((await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((r) => r.name));
  const record = db.prepare("INSERT INTO d1_migrations (name) VALUES (?)");
  const statements = migrations
    .filter((m) => !applied.has(m.name))
    .flatMap((m) => [...m.queries.map((q) => db.prepare(q)), record.bind(m.name)]);
  if (statements.length) await db.batch(statements);
}
await applyMigrations(env.DB, (env as unknown as { TEST_MIGRATIONS: D1Migration[] }).TEST_MIGRATIONS);

// A test that logs console.error fails: errors must be expected and asserted, not printed.
let errors: unknown[][] = [];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, "error").mockImplementation((...args) => void errors.push(args));
});
afterEach(() => {
  vi.restoreAllMocks();
  if (errors.length) throw new Error(`console.error was called: ${errors.map((a) => a.map(String).join(" ")).join("\n")}`);
});
