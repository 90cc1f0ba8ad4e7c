import assert from "node:assert/strict";
import { join } from "node:path";
import { stringifyBento } from "../bundle/bento_yaml.ts";
import { ObentoError } from "../errors.ts";
import { testDocument } from "./_testing.ts";
import { type ServeOptions, startServer } from "./serve.ts";

function options(port: number, host: string, log: string[]): ServeOptions {
  return {
    port,
    host,
    workers: 1,
    threads: 1,
    sources: {},
    log: (line) => log.push(line),
    maxBatchSize: 8,
    maxLatencyMs: 5,
    timeoutMs: 1000,
    maxBodyBytes: 1024,
    maxQueue: 8,
    corsOrigins: [],
  };
}

/** A bundle folder with only a bento.yaml: loading its service would fail, which these tests never reach. */
async function bareBundle(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "bento.yaml"), stringifyBento(testDocument()));
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<ObentoError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ObentoError, String(error));
    return error;
  }
  throw new Error("expected startServer to refuse");
}

Deno.test("a port in use is one UNAVAILABLE error naming port and host, and nothing is logged", async () => {
  const dir = await bareBundle();
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  const log: string[] = [];
  try {
    const error = await refusal(startServer(dir, options(port, "127.0.0.1", log)));
    assert.equal(error.code, "UNAVAILABLE");
    assert.equal(error.exitCode, 69);
    assert.match(
      error.message,
      new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use; .*with port N \\(port 0`),
    );
    // No start-up table before the error: the CLI prints the error as the only line.
    assert.deepEqual(log, []);
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a host that is not an address of this machine is a usage error", async () => {
  const dir = await bareBundle();
  try {
    const error = await refusal(startServer(dir, options(0, "192.0.2.1", [])));
    assert.equal(error.code, "BAD_ARGUMENT");
    assert.match(error.message, /192\.0\.2\.1 is not an address of this machine/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--transport bounded: a port in use and a foreign host give the same errors as Deno.serve", async () => {
  const dir = await bareBundle();
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  const connections = { headerTimeoutMs: 1000, idleTimeoutMs: 1000, maxConnections: 8 };
  try {
    const inUse = await refusal(startServer(dir, { ...options(port, "127.0.0.1", []), connections }));
    assert.equal(inUse.code, "UNAVAILABLE");
    assert.match(
      inUse.message,
      new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use; .*with port N \\(port 0`),
    );
    const foreign = await refusal(startServer(dir, { ...options(0, "192.0.2.1", []), connections }));
    assert.equal(foreign.code, "BAD_ARGUMENT");
    assert.match(foreign.message, /192\.0\.2\.1 is not an address of this machine/);
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});
