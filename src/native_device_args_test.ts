import assert from "node:assert/strict";
import { mayUseNativeDevice } from "./native_device_args.ts";

Deno.test("serve and run may open the native device unless --device names wasm or webgpu", () => {
  assert.equal(mayUseNativeDevice(["serve", "Iris"]), true);
  assert.equal(mayUseNativeDevice(["run", "Iris", "predict", "--device", "native"]), true);
  assert.equal(mayUseNativeDevice(["serve", "--device=auto", "Iris"]), true);
  assert.equal(mayUseNativeDevice(["serve", "--device", "wasm", "Iris"]), false);
  assert.equal(mayUseNativeDevice(["run", "Iris", "predict", "--device=WebGPU"]), false);
});

Deno.test("other commands never keep FFI, and nothing after -- counts", () => {
  for (const command of ["list", "pack", "get", "init", "--help", ""]) {
    assert.equal(mayUseNativeDevice([command, "--device", "native"]), false, command);
  }
  assert.equal(mayUseNativeDevice([]), false);
  assert.equal(mayUseNativeDevice(["serve", "--device", "wasm", "--", "--device", "native"]), false);
});
