// `npm start`: build, migrate the local D1, start the local Stripe emulator (unless a real
// STRIPE_SECRET_KEY is configured) and the Worker on the embedded runtime, seed demo data.
import {
  accountsMissingFromEmulator,
  build,
  disagreementMessage,
  hasRealStripeKey,
  localPayoutAccountIds,
  migrate,
  missingAccounts,
  seed,
  startApp,
  startStripe,
  stripeStateFile,
} from "./lib/app-server.mjs";

const port = Number(process.env.PORT ?? 8787);
const stripePort = Number(process.env.STRIPE_EMULATOR_PORT ?? 12111);
// Where the local D1/R2/DO state and the emulator's state live. Tests point it at a temp folder so
// they never touch the developer's .wrangler/state.
const persistTo = process.env.ALLTHRIVE_STATE_DIR || undefined;
const stateDir = persistTo ?? ".wrangler/state";
console.log("▸ Building the app…");
build({ quiet: true });
console.log("▸ Applying database migrations to the local D1…");
migrate({ persistTo, quiet: true });
const realStripe = hasRealStripeKey();
let stripe = null;
if (realStripe) {
  console.log(
    "▸ STRIPE_SECRET_KEY is set: talking to Stripe. Forward webhooks with: stripe listen --forward-to localhost:" +
      port +
      "/webhooks/stripe",
  );
} else {
  console.log(`▸ Starting the local Stripe emulator on :${stripePort} (webhooks → http://localhost:${port}/webhooks/stripe)…`);
  // The emulator keeps its state beside the local D1 (.wrangler/state), so ids survive a restart.
  stripe = await startStripe({
    port: stripePort,
    appUrl: `http://localhost:${port}`,
    quiet: !process.env.STRIPE_EMULATOR_VERBOSE,
    stateFile: stripeStateFile(stateDir),
  });
}
// Read before wrangler dev opens the database (nothing writes to it until the seed below): the file
// read takes milliseconds where `wrangler d1 execute` takes seconds (decision 0144). Null: ask wrangler.
const accountIdsBefore = stripe ? localPayoutAccountIds({ persistTo }) : null;
console.log("▸ Starting the Worker (wrangler dev, local D1/R2/Durable Objects/Queues)…");
const app = await startApp({ port, persistTo, stripePort: realStripe ? undefined : stripePort });
const result = await seed(app.url);
console.log(
  result.seeded ? `▸ Seeded demo data (${result.users} accounts).` : `▸ Database already has data (${result.users} accounts); not seeding.`,
);
if (stripe && !result.seeded) {
  let missing = [];
  try {
    missing = accountIdsBefore ? missingAccounts(accountIdsBefore, stripe.state) : accountsMissingFromEmulator(stripe, { persistTo });
  } catch (e) {
    console.log(`▸ Could not compare the database with the Stripe emulator (${e.message}).`);
  }
  const problem = disagreementMessage(missing, stateDir);
  if (problem) console.log(problem);
}
console.log(`
  All Thrive is running at ${app.url}
  ${stripe ? `Payments: local Stripe emulator at ${stripe.url} — no account needed. Pay with the "Pay" button.` : "Payments: real Stripe (test or live, per your key)."}

  Demo logins (password: thrive-demo-2026)
    maya@demo.allthrive.app     creator  /@maya-builds   (payouts on, products, capped tier nearly full)
    dev@demo.allthrive.app      creator  /@promptsmith   (payouts on, course + tiers)
    lena@demo.allthrive.app     creator  /@lena-voice    (payouts not set up: "coming soon")
    sam@demo.allthrive.app      creator  /@sam-automates
    ade@demo.allthrive.app      creator  /@data-ade
    visitor@demo.allthrive.app  member   (owns a product, has a membership)
    admin@demo.allthrive.app    admin    (/admin/dead-letters)

  Press Ctrl+C to stop.
`);
const shutdown = async () => {
  await app.stop();
  await stripe?.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
app.child.on("exit", async (code) => {
  await stripe?.close();
  process.exit(code ?? 0);
});
