// Renames the module's imports and exports to short names, in the .wasm
// (binaryen's --minify-imports-and-exports-and-modules) and in the glue that
// refers to them. wasm-bindgen names every import `__wbg_<name>_<16 hex>` from
// module "./pkce_wasm_bg.js" and every closure shim after its full Rust type,
// a few hundred characters: both files carried each name, and the hex does not
// compress. Only the glue reads these names: the package's API (the class, its
// methods, init) is untouched.
//
//   node scripts/shorten-names.mjs <wasm-opt> pkg/pkce_wasm_bg.wasm pkg/pkce_wasm.js
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const [wasmOpt, wasmPath, gluePath] = process.argv.slice(2);
if (!gluePath) {
  console.error("usage: node scripts/shorten-names.mjs <wasm-opt> <module.wasm> <glue.js>");
  process.exit(2);
}

const out = execFileSync(
  wasmOpt,
  [
    wasmPath,
    "-o",
    wasmPath,
    "--minify-imports-and-exports-and-modules",
    // The features the module uses, and only those: with --all-features
    // binaryen writes imports in an encoding browsers do not read yet.
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
  ],
  { encoding: "utf8", maxBuffer: 1 << 24 },
);
// wasm-opt prints the mapping as JSON: imports as [module, name, new name],
// exports as [name, new name]; the one module is renamed as well.
const map = JSON.parse(out.slice(out.indexOf("{")));
let glue = readFileSync(gluePath, "utf8");

const modules = new Set(map.imports.map(([module]) => module));
if (modules.size !== 1 || !modules.has("./pkce_wasm_bg.js")) {
  throw new Error(`unexpected import modules: ${[...modules].join(", ")}`);
}
// The new module name is not in the mapping: read it from the module itself.
const renamed = new Set(
  WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmPath))).map((i) => i.module),
);
if (renamed.size !== 1) throw new Error(`expected one import module, found ${[...renamed].join(", ")}`);
const [moduleName] = renamed;

// Every import must be found in the glue; an export the glue does not read
// (wasm-bindgen leaves a few, e.g. `__wbindgen_free`) is just renamed.
const replaceExact = (from, to, where, required = true) => {
  const re = new RegExp(where(from.replace(/[$]/g, "\\$")), "g");
  const before = glue;
  glue = glue.replace(re, to);
  if (required && glue === before) throw new Error(`the glue does not mention ${from}`);
};

// Import names are keys of the object the glue hands to instantiate().
for (const [, name, short] of map.imports) {
  replaceExact(name, `$1${short}:`, (n) => `(^|[\\s,{])${n}:`);
}
replaceExact('"./pkce_wasm_bg.js"', `"${moduleName}"`, (n) => n);
// Exports are read as `wasm.<name>`.
for (const [name, short] of map.exports) {
  replaceExact(name, `wasm.${short}`, (n) => `\\bwasm\\.${n}\\b`, false);
}
writeFileSync(gluePath, glue);
