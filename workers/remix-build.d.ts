// Types for `#remix-build` (package.json "imports"): the Remix server build that `remix vite:build`
// writes to build/server/index.js, a generated module without types of its own.
import type { ServerBuild } from "@remix-run/cloudflare";

export declare const mode: ServerBuild["mode"];
export declare const entry: ServerBuild["entry"];
export declare const routes: ServerBuild["routes"];
export declare const assets: ServerBuild["assets"];
export declare const basename: ServerBuild["basename"];
export declare const publicPath: ServerBuild["publicPath"];
export declare const assetsBuildDirectory: ServerBuild["assetsBuildDirectory"];
export declare const future: ServerBuild["future"];
export declare const isSpaMode: ServerBuild["isSpaMode"];
