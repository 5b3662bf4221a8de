// The package's TypeScript declarations, as an app compiles against them:
// the generated class (pkg/pkce_wasm.d.ts) with the hand-written types of
// js/, strict mode. Needs pkg/ built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, "../../node_modules/.bin/tsc");

test("an app using the documented API type-checks in strict mode", () => {
  let out = "";
  try {
    execFileSync(tsc, ["-p", join(here, "tsconfig.json")], { encoding: "utf8" });
  } catch (e) {
    out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
  }
  assert.equal(out, "", out);
});
