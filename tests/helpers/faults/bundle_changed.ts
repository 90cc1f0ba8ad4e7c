/**
 * Fault scenario: the bundle directory changes under a running `obento serve` (two model workers). Each
 * round changes it one way — the service module edited (its echo API would answer "CHANGED"), the module
 * removed, a file added, bento.yaml edited, MANIFEST emptied — then makes a worker restart (an API that calls
 * `Deno.exit()`). The replacement must refuse the changed bundle on load (its MANIFEST check), so it is
 * detected and never half-loaded: the other worker keeps serving the old version (every echo answers what
 * it was sent, never "CHANGED"), the log names the problem, and once the last old worker ends the server
 * answers 503 with the reason instead of serving anything changed.
 *
 * @module
 */
import { join } from "node:path";
import { packBundle } from "../cli.ts";
import { postJson, startServer } from "../server.ts";
import { count, newResult, type ScenarioOptions, type ScenarioResult } from "./common.ts";

type Change = (dir: string) => Promise<void>;

const CHANGES: Record<string, Change> = {
  "service module edited": async (dir) => {
    const path = join(dir, "service.js");
    const code = await Deno.readTextFile(path);
    if (!code.includes("(value) => value")) throw new Error("the unruly fixture's echo API changed");
    await Deno.writeTextFile(path, code.replace("(value) => value", '() => "CHANGED"'));
  },
  "service module removed": (dir) => Deno.remove(join(dir, "service.js")),
  "a file added": (dir) => Deno.writeTextFile(join(dir, "artifacts", "extra.bin"), "x"),
  "bento.yaml edited": async (dir) => {
    const path = join(dir, "bento.yaml");
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)) + "\n# edited\n");
  },
  "MANIFEST emptied": (dir) => Deno.writeTextFile(join(dir, "MANIFEST"), ""),
};

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(join(from, e.name), join(to, e.name));
    else await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
}

/** Waits until `ok` holds for the server's log (up to 30 s). */
async function until(ok: () => boolean): Promise<boolean> {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
  return ok();
}

/** Waits (up to 30 s) until `/metrics` reports `count` model workers ready. */
async function workersReady(url: string, count: number): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const match = /^obento_workers_ready(?:\{[^}]*\})? (\d+)/m.exec(text);
    if (match && Number(match[1]) >= count) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Runs the scenario (see the module doc). */
export async function bundleChanged(options: ScenarioOptions): Promise<ScenarioResult> {
  const result = newResult("bundle directory changed under a running server");
  const home = join(options.work, "changed-home");
  await Deno.mkdir(home, { recursive: true });
  const source = await packBundle(
    home,
    "tests/fixtures/services/unruly/service.ts",
    [],
    join(home, "unruly"),
  );
  const kinds = Object.keys(CHANGES);
  for (let round = 0; round < options.rounds; round++) {
    const kind = kinds[round % kinds.length];
    const where = `round ${round} (${kind})`;
    const dir = join(home, `served-${round}`);
    await copyDir(source, dir);
    const server = await startServer(home, [dir, "--workers", "2", "--device", "wasm"]);
    try {
      // Ready means one worker has loaded; the other must have loaded the old version too before the change.
      if (!(await workersReady(server.url, 2))) {
        result.failures.push(`${where}: the second worker did not load within 30 s`);
        continue;
      }
      await CHANGES[kind](dir);
      result.rounds++;
      const ended = await postJson(`${server.url}/exit`, 1);
      if (ended.status !== 500) result.failures.push(`${where}: /exit answered ${ended.status}`);
      const reason =
        /could not be restarted, it stays out of service: .*(changed after packing|is missing|not listed in MANIFEST|malformed|changed while the bundle was loading)/;
      const detected = await until(() => reason.test(server.log()));
      if (!detected) {
        result.failures.push(`${where}: the replacement's load failure was not logged:\n${server.log()}`);
      } else count(result, "detected on the replacement's load (logged)");
      let old = 0;
      for (let i = 0; i < 20; i++) {
        const r = await postJson(`${server.url}/echo`, { i });
        if (r.status === 200 && r.text === JSON.stringify({ i })) old++;
        else if (r.text.includes("CHANGED")) {
          result.failures.push(`${where}: a worker served the changed code`);
        } else if (r.status !== 503) result.failures.push(`${where}: echo answered ${r.status} ${r.text}`);
      }
      if (old === 20) count(result, "the old version kept serving (20 of 20 echoes)");
      else if (old > 0) {
        result.failures.push(`${where}: only ${old} of 20 echoes answered by the old version`);
      }
      // end the last old worker: nothing changed may take its place
      await postJson(`${server.url}/exit`, 2);
      let last = { status: 0, text: "" };
      for (let i = 0; i < 50; i++) {
        last = await postJson(`${server.url}/echo`, { after: i });
        if (last.status !== 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (last.text.includes("CHANGED")) result.failures.push(`${where}: a worker served the changed code`);
      else if (last.text.includes(home)) {
        result.failures.push(`${where}: the 503 names a path on the server's disk: ${last.text}`);
      } else if (
        last.status === 503 &&
        /could not be restarted: .*(changed|missing|not listed|malformed)/.test(last.text)
      ) {
        count(result, "503 with the reason once no old worker is left");
      } else {result.failures.push(
          `${where}: with both workers ended, echo answered ${last.status} ${last.text}`,
        );}
      options.log?.(
        `changed ${round}: ${kind}: old served ${old}/20, then ${last.status} ${last.text.slice(0, 160)}`,
      );
    } finally {
      await server.stop();
    }
  }
  return result;
}
