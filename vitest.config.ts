import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(async () => {
  const migrations = await readD1Migrations(here("./migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            APP_ENV: "test",
            TEST_MIGRATIONS: migrations,
            // Issue 5: tiny fan-out pages so tests cross several pages; a real signing secret.
            FANOUT_PAGE_SIZE: "3",
            EMAIL_SIGNING_SECRET: "test-email-signing-secret-0123456789",
          },
        },
      }),
    ],
    resolve: {
      alias: {
        "~": here("./app"),
        // The workers pool resolves `module` before `main`, which hands CommonJS requires inside
        // Remix the ESM builds; point them at the CommonJS files (TOOLCHAIN.md).
        "@remix-run/server-runtime": here("./node_modules/@remix-run/server-runtime/dist/index.js"),
        "@remix-run/router": here("./node_modules/@remix-run/router/dist/router.cjs.js"),
      },
    },
    test: {
      include: ["app/**/*.test.ts", "workers/**/*.test.ts"],
      setupFiles: ["./app/test/setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
