import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** A free loopback port for the test Stripe emulator (started by the globalSetup). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(here("./migrations"));
  process.env.ALLTHRIVE_TEST_STRIPE_PORT ??= String(await freePort());
  const stripePort = process.env.ALLTHRIVE_TEST_STRIPE_PORT;
  process.env.ALLTHRIVE_TEST_EMAIL_PORT ??= String(await freePort());
  process.env.ALLTHRIVE_TEST_WEBHOOK_PORT ??= String(await freePort());
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            APP_ENV: "test",
            TEST_MIGRATIONS: migrations,
            STRIPE_API_HOST: "127.0.0.1",
            STRIPE_API_PORT: stripePort,
            STRIPE_API_PROTOCOL: "http",
            // A short Stripe timeout so the emulator's `timeout` fault (an answer held longer) is quick.
            STRIPE_TIMEOUT_MS: "2000",
            // Feed: tiny fan-out pages so tests cross several pages; a real signing secret.
            FANOUT_PAGE_SIZE: "3",
            FANOUT_PAGES_PER_MESSAGE: "1",
            EMAIL_SIGNING_SECRET: "test-email-signing-secret-0123456789",
            // The anonymous visitor-key HMAC secret (outside APP_ENV=development there is no default).
            VISITOR_HASH_SECRET: "test-visitor-hash-secret-0123456789",
            // The loopback stand-in for the email provider (app/test/email-capture.global.ts); the
            // http-transport test points EMAIL_API_URL at it. Everything else keeps EMAIL_TRANSPORT=local.
            EMAIL_CAPTURE_PORT: process.env.ALLTHRIVE_TEST_EMAIL_PORT,
            // A real local receiver for creators' webhooks (app/test/webhook-receiver.global.ts).
            WEBHOOK_RECEIVER_PORT: process.env.ALLTHRIVE_TEST_WEBHOOK_PORT,
          },
        },
      }),
    ],
    resolve: {
      alias: {
        "~": here("./app"),
        // The workers pool resolves `module` before `main`, which hands CommonJS requires inside
        // Remix the ESM builds; point them at the CommonJS files.
        "@remix-run/server-runtime": here("./node_modules/@remix-run/server-runtime/dist/index.js"),
        "@remix-run/router": here("./node_modules/@remix-run/router/dist/router.cjs.js"),
      },
    },
    test: {
      include: ["app/**/*.test.ts", "workers/**/*.test.ts"],
      setupFiles: ["./app/test/setup.ts"],
      globalSetup: ["./app/test/stripe-emulator.global.ts", "./app/test/email-capture.global.ts", "./app/test/webhook-receiver.global.ts"],
      // The default in `vitest run` is one worker less than the cores: one worker on a 2-core CI
      // machine, idle most of the time while a file waits on the emulator, timers or workerd.
      // Files are independent (own storage; emulator faults are scoped to their match), so run
      // two at once (decision D90). VITEST_MAX_WORKERS overrides.
      maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 2),
      // Hang guards, not speed checks: a few scenario tests take ~30 s when the machine is busy.
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
