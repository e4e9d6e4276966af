/** Wasm imported as a compiled module (wrangler's CompiledWasm rule; decision 0107). */
declare module "*.wasm?module" {
  const module: WebAssembly.Module;
  export default module;
}
