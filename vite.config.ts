import { vitePlugin as remix } from "@remix-run/dev";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig, type Plugin } from "vite";

declare module "@remix-run/cloudflare" {
  interface Future {
    v3_singleFetch: true;
  }
}

/**
 * Development-only routes (`dev.*`: demo seeding, the local mailbox, benchmark seeding and probes)
 * are left out of production builds (`npm run build:production`, used by `npm run deploy`), so
 * neither they nor the demo and benchmark code they import ship (decision 0057). Local builds
 * (`npm start`, the bench, the tests) keep them; there they answer 404 unless APP_ENV=development.
 */
const productionBuild = process.env.ALLTHRIVE_BUILD === "production";

/**
 * Server code imports wasm as compiled modules (`x.wasm?module`, the image codecs: decision 0107).
 * Vite can't bundle those; left as imports of the file, wrangler's bundler turns each into a
 * `WebAssembly.Module` (its CompiledWasm rule), as workerd needs — no fetch of wasm at run time.
 * The built server names them by absolute path: `build/` is always bundled where it was built.
 */
function wasmModulesStayImports(): Plugin {
  return {
    name: "allthrive:wasm-modules-stay-imports",
    enforce: "pre",
    async resolveId(id, importer) {
      if (!id.endsWith(".wasm?module")) return null;
      const file = await this.resolve(id.slice(0, -"?module".length), importer, { skipSelf: true });
      return file ? { id: `${file.id}?module`, external: true } : null;
    },
  };
}

export default defineConfig({
  plugins: [
    wasmModulesStayImports(),
    tailwindcss(),
    remix({
      // A second build beside the usual one (the production-build test builds into a temp folder).
      ignoredRouteFiles: productionBuild ? ["**/dev.*"] : [],
      ...(process.env.ALLTHRIVE_BUILD_DIR ? { buildDirectory: process.env.ALLTHRIVE_BUILD_DIR } : {}),
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  resolve: { alias: { "~": new URL("./app", import.meta.url).pathname } },
  ssr: {
    resolve: { conditions: ["workerd", "worker", "browser"], externalConditions: ["workerd", "worker"] },
  },
  build: { minify: true },
});
