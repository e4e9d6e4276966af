// ESLint (flat config): TypeScript, React hooks, no import cycles, and the layer boundaries of
// decision 0056 — routes → pages → modules → lib, each importing only downward.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import importX from "eslint-plugin-import-x";
import { fileURLToPath } from "node:url";
import globals from "globals";

/** `no-restricted-imports` patterns that keep a layer from reaching upward. */
const forbid = (...groups) => ({ "no-restricted-imports": ["error", { patterns: groups.map((g) => ({ ...g, allowTypeImports: true })) }] });
const ROUTES = { group: ["~/routes/*", "**/routes/*"], message: "Routes are the top layer: nothing imports a route." };
const PAGES = {
  group: ["~/pages/*", "**/pages/*.server", "!./*"],
  message: "Pages compose domains; only routes import them (decision 0056).",
};
const COMPONENTS = {
  group: ["~/components/*", "**/components/*"],
  message: "Components are UI for routes; domain and library code doesn't import them.",
};
const MODULES = {
  group: ["~/modules/*", "!~/modules/schema", "**/modules/*", "!**/modules/schema"],
  message: "lib/ imports no domain module except the schema barrel (decision 0056).",
};
const DEV = {
  group: ["~/modules/demo/*", "**/modules/demo/*"],
  message: "Demo and benchmark code is development-only: only dev.* routes, tests and tools import it.",
};

export default tseslint.config(
  {
    ignores: [
      "build/**",
      ".wrangler/**",
      "node_modules/**",
      "public/**",
      "test-results/**",
      "tools/bench/results/**",
      "worker-configuration.d.ts",
      "migrations/**",
      "app/modules/api/openapi-types.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks, "import-x": importX },
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    settings: {
      "import-x/resolver-next": [importX.createNodeResolver({ extensions: [".ts", ".tsx", ".js", ".mjs"] })],
      "import-x/extensions": [".ts", ".tsx", ".js", ".mjs"],
    },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      "@typescript-eslint/consistent-type-imports": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  // Import cycles, resolved through the `~/` alias (a cycle anywhere fails the lint).
  {
    files: ["app/**/*.{ts,tsx}", "workers/**/*.ts"],
    settings: {
      "import-x/resolver-next": [
        importX.createNodeResolver({ extensions: [".ts", ".tsx"], alias: { "~": [fileURLToPath(new URL("./app", import.meta.url))] } }),
      ],
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: false }] },
  },
  // Layer boundaries (tests may reach anywhere).
  { files: ["app/lib/**/*.{ts,tsx}"], ignores: ["**/*.test.ts"], rules: forbid(ROUTES, PAGES, COMPONENTS, MODULES) },
  { files: ["app/modules/**/*.{ts,tsx}"], ignores: ["**/*.test.ts", "app/modules/demo/**"], rules: forbid(ROUTES, PAGES, COMPONENTS, DEV) },
  { files: ["app/pages/**/*.{ts,tsx}"], ignores: ["**/*.test.ts"], rules: forbid(ROUTES, COMPONENTS, DEV) },
  { files: ["app/components/**/*.{ts,tsx}"], rules: forbid(ROUTES, PAGES, DEV) },
  { files: ["app/routes/**/*.tsx"], ignores: ["app/routes/dev.*"], rules: forbid(DEV) },
  { files: ["workers/**/*.ts"], ignores: ["**/*.test.ts"], rules: forbid(ROUTES, COMPONENTS, DEV) },
  // A domain's SQL belongs in its queries.server.ts (decision 0056). Warned, not failed, while the
  // remaining modules move their Drizzle calls there domain by domain.
  {
    files: ["app/modules/**/*.{ts,tsx}"],
    ignores: ["**/queries.server.ts", "**/schema.ts", "app/modules/schema.ts", "**/*.test.ts", "app/modules/demo/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "warn",
        {
          patterns: [
            {
              group: ["drizzle-orm", "drizzle-orm/*"],
              allowTypeImports: true,
              message: "Build SQL in this domain's queries.server.ts (decision 0056).",
            },
          ],
        },
      ],
    },
  },
  // Node tools and configs.
  {
    files: ["tools/**/*.mjs", "*.js", "*.config.ts"],
    languageOptions: { globals: { ...globals.node } },
    rules: { "no-empty": ["error", { allowEmptyCatch: true }] },
  },
  // Browser tests hand callbacks to the page (page.evaluate), which run in the browser.
  { files: ["tools/e2e/**/*.mjs", "tools/bench/profile.mjs"], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
);
