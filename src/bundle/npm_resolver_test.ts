import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultDenoDir } from "./npm_resolver.ts";

Deno.test("defaultDenoDir follows DENO_DIR, then the platform default", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(defaultDenoDir(env({ DENO_DIR: "/d", HOME: "/h" }), "linux"), "/d");
  assert.equal(defaultDenoDir(env({ HOME: "/h" }), "linux"), "/h/.cache/deno");
  assert.equal(defaultDenoDir(env({ HOME: "/h", XDG_CACHE_HOME: "/x" }), "linux"), "/x/deno");
  assert.equal(defaultDenoDir(env({ HOME: "/h" }), "darwin"), "/h/Library/Caches/deno");
  assert.equal(defaultDenoDir(env({ LOCALAPPDATA: "/l" }), "windows"), join("/l", "deno"));
});
