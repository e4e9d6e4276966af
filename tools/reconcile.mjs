// `npm run reconcile [-- --repair] [-- --handle maya-builds]`: compares every creator's follow
// Durable Object with the D1 edges through the admin-only endpoint and prints the drift.
// Needs a running app (URL, default http://localhost:8787) and an admin login
// (ADMIN_EMAIL / ADMIN_PASSWORD; defaults to the demo admin).
const url = process.env.URL ?? "http://localhost:8787";
const email = process.env.ADMIN_EMAIL ?? "admin@demo.allthrive.app";
const password = process.env.ADMIN_PASSWORD ?? "thrive-demo-2026";
const args = process.argv.slice(2);
const repair = args.includes("--repair");
const handle = args.includes("--handle") ? args[args.indexOf("--handle") + 1] : "";

const login = await fetch(`${url}/login`, {
  method: "POST",
  redirect: "manual",
  headers: { Origin: url },
  body: new URLSearchParams({ email, password }),
});
const cookie = (login.headers.getSetCookie?.() ?? []).find((c) => c.startsWith("at_session="))?.split(";")[0];
if (!cookie) {
  console.error(`Could not log in as ${email} at ${url} (status ${login.status}).`);
  process.exit(2);
}
const res = await fetch(`${url}/admin/reconcile-follows.json`, {
  method: "POST",
  headers: { Origin: url, Cookie: cookie },
  body: new URLSearchParams({ repair: repair ? "1" : "", handle }),
});
const body = await res.json().catch(() => ({}));
if (!res.ok) {
  console.error(`Reconcile failed (${res.status}): ${body.error ?? JSON.stringify(body)}`);
  process.exit(2);
}
console.log(`Checked ${body.checked} creator(s); ${body.drifted.length} drifted${repair ? " (repaired)" : ""}.`);
for (const d of body.drifted)
  console.log(
    `  ${d.creatorId}: DO count ${d.doCount} (rows ${d.doRows}), D1 count ${d.d1Count}, D1 edges ${d.d1Edges}, missing in D1 ${d.missingInD1}, extra in D1 ${d.extraInD1}`,
  );
process.exit(body.drifted.length && !repair ? 1 : 0);
