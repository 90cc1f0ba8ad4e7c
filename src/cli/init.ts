/**
 * `obento init DIR`: scaffolds a service project (deno.json, service.ts, service_test.ts, a small ONNX model,
 * README.md) that type-checks, tests and packs.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ObentoError } from "../errors.ts";
import { validateName } from "../sdk/names.ts";
import { OBENTO_VERSION } from "../version.ts";
import { isFile } from "../bundle/_fs.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { irisModelBytes } from "./init_model.ts";
import {
  denoJson,
  MODEL_FILE,
  type ProjectSettings,
  readmeMd,
  serviceTestTs,
  serviceTs,
} from "./init_templates.ts";

const HELP = `Usage:
  obento init <DIR> [--name NAME] [--sdk SPECIFIER] [--force]

Creates a service project in DIR (made if missing; it must be empty unless --force):
  deno.json         maps "obento" to the SDK, with check and test tasks
  service.ts        a non-batch JsonInput API (classify) and a batch DataframeInput API (predict)
  service_test.ts   runs both APIs in-process (deno task test)
  model.onnx        a small iris classifier to start from
  README.md         the next commands
  deno.lock         the checkout's pinned package versions (when "obento" maps to a checkout)

"obento" maps to this obento's mod.ts when it runs from a source checkout (everything works offline),
else to jsr:@obento/obento@${OBENTO_VERSION} (deno check and deno test then fetch it; obento pack does not).

Options:
  --name NAME        service name (default: DIR's name in PascalCase; letters, digits, _ . - inside)
  --sdk SPECIFIER    what "obento" maps to: a path to an obento checkout's mod.ts, or a jsr:/npm:/https: specifier
  --force            write into a non-empty DIR, replacing the files above
  -h, --help         show this help

Examples:
  obento init my-service                          # service MyService in ./my-service
  obento init iris --name IrisService             # choose the service name
  obento init svc --sdk ../obento/mod.ts          # map "obento" to a source checkout
`;

/** `my-service` → `MyService`; empty when the name has no letters or digits. */
function pascalCase(name: string): string {
  return name.split(/[^A-Za-z0-9]+/).filter((p) => p !== "").map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
}

/** True when `dir` is missing or an empty folder; CONFLICT when it is not a folder. */
async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    if (!(await Deno.stat(dir)).isDirectory) {
      throw new ObentoError(
        "CONFLICT",
        `obento init: ${dir} exists and is not a directory; choose another path`,
      );
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
  for await (const _ of Deno.readDir(dir)) return false;
  return true;
}

/** A checkout's mod.ts: a file named mod.ts beside `src/sdk/service.ts`. */
async function isSdkCheckout(modPath: string): Promise<boolean> {
  return basename(modPath) === "mod.ts" && await isFile(modPath) &&
    await isFile(join(dirname(modPath), "src", "sdk", "service.ts"));
}

/** The `npm:`/`jsr:` imports of the deno.json beside a checkout's mod.ts (its packages). */
async function checkoutImports(modPath: string): Promise<Record<string, string>> {
  const file = join(dirname(modPath), "deno.json");
  if (!(await isFile(file))) return {};
  const config = JSON.parse(await Deno.readTextFile(file)) as { imports?: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(config.imports ?? {}).filter((e): e is [string, string] =>
      typeof e[1] === "string" && /^(npm|jsr):/.test(e[1])
    ),
  );
}

/** How a project reaches the SDK, and the checkout's lock file (so its packages resolve from the cache). */
type SdkSettings = Pick<ProjectSettings, "sdk" | "sdkImports" | "obentoCommand" | "obentoTask"> & {
  lock?: string;
};

/** The SDK settings: a checkout (from `--sdk` or this obento's own sources) or a package specifier. */
async function sdkSettings(
  flag: string | undefined,
  cwd: string,
): Promise<SdkSettings> {
  const own = new URL("../../mod.ts", import.meta.url);
  let modPath: string | undefined;
  if (flag !== undefined && /^(jsr|npm|https?):/.test(flag)) {
    return { sdk: flag, sdkImports: {}, obentoCommand: "obento" };
  } else if (flag !== undefined) {
    modPath = resolve(cwd, flag.startsWith("file:") ? fileURLToPath(flag) : flag);
    if (!(await isSdkCheckout(modPath))) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento init: --sdk ${flag} is not an obento checkout's mod.ts (no src/sdk/service.ts beside it); ` +
          `give the path to mod.ts, or a jsr:/npm: specifier`,
      );
    }
  } else if (own.protocol === "file:" && await isSdkCheckout(fileURLToPath(own))) {
    modPath = fileURLToPath(own);
  }
  if (modPath === undefined) {
    return { sdk: `jsr:@obento/obento@${OBENTO_VERSION}`, sdkImports: {}, obentoCommand: "obento" };
  }
  const main = join(dirname(modPath), "main.ts");
  const runsFromHere = await isFile(main);
  const lockFile = join(dirname(modPath), "deno.lock");
  return {
    // The checkout's lock pins the versions its npm cache holds (e.g. @types/node): deno check stays offline.
    lock: await isFile(lockFile) ? await Deno.readTextFile(lockFile) : undefined,
    sdk: pathToFileURL(modPath).href,
    sdkImports: await checkoutImports(modPath),
    obentoCommand: runsFromHere ? "deno task obento" : "obento",
    obentoTask: runsFromHere
      ? `deno run --allow-read --allow-write --allow-env --allow-net --allow-sys --allow-ffi ${main}`
      : undefined,
  };
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseFlags("init", args, {
    name: { type: "string" },
    sdk: { type: "string" },
    force: { type: "boolean" },
  });
  if (parsed.positionals.length !== 1) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento init: give exactly one directory; see `obento init --help`",
    );
  }
  const dir = resolve(ctx.cwd, parsed.positionals[0]);
  const nameFlag = stringFlag(parsed, "name");
  const derived = pascalCase(basename(dir));
  if (nameFlag === undefined && derived === "") {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento init: cannot make a service name from "${basename(dir)}"; pass --name NAME`,
    );
  }
  const name = validateName(nameFlag ?? derived, "service name");
  if (!(await isEmptyDir(dir)) && !parsed.values.force) {
    throw new ObentoError(
      "CONFLICT",
      `obento init: ${dir} is not empty; choose a new or empty directory, or pass --force to write the ` +
        `project's files into it`,
    );
  }
  const { lock, ...sdk } = await sdkSettings(stringFlag(parsed, "sdk"), ctx.cwd);
  const settings: ProjectSettings = { name, ...sdk };
  await Deno.mkdir(dir, { recursive: true });
  const files: [string, string | Uint8Array][] = [
    ["deno.json", denoJson(settings)],
    ["service.ts", serviceTs(settings)],
    ["service_test.ts", serviceTestTs()],
    [MODEL_FILE, irisModelBytes()],
    ["README.md", readmeMd(settings)],
    ...(lock === undefined ? [] : [["deno.lock", lock] as [string, string]]),
  ];
  for (const [file, content] of files) {
    if (typeof content === "string") await Deno.writeTextFile(join(dir, file), content);
    else await Deno.writeFile(join(dir, file), content);
  }
  ctx.out(createdMessage(settings, dir, parsed.positionals[0], files.map(([f]) => f)));
  return 0;
}

/** What init prints when done: what it wrote where, and the commands to run next. */
function createdMessage(
  settings: ProjectSettings,
  dir: string,
  dirArg: string,
  files: readonly string[],
): string {
  const { name, obentoCommand: o } = settings;
  return [
    `Created service ${name} in ${dir}: ${files.join(", ")}`,
    `"obento" maps to ${settings.sdk}`,
    ...(settings.sdk.startsWith("jsr:")
      ? [`note: deno check and deno test fetch ${settings.sdk} from JSR (network); obento pack does not`]
      : []),
    "Next:",
    `  cd ${dirArg}`,
    "  deno task test",
    `  ${o} pack service.ts --artifact model=${MODEL_FILE}`,
    `  ${o} run ${name}:latest classify --input '{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}'`,
    "",
  ].join("\n");
}

/** The `init` command. */
export const initCommand: Command = {
  name: "init",
  summary: "create a service project (deno.json, service.ts, a test, a model) to start from",
  help: HELP,
  run,
};
