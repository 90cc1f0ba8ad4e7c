/**
 * Finds and applies the `imports` map of the nearest `deno.json`/`deno.jsonc` (or the `importMap` file it
 * names), the way Deno maps bare specifiers.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { messageOf, ObentoError } from "../errors.ts";
import { isFile } from "./_fs.ts";

/** The `imports` of a deno.json, with values made absolute where they are paths. */
export interface ImportMap {
  /** The config file it came from (for messages). */
  file: string;
  /** Specifier (or specifier prefix, ending in `/`) → what it maps to. */
  imports: Map<string, string>;
}

/**
 * Finds the import map that applies to a folder: the `imports` of the nearest `deno.json` or `deno.jsonc`
 * in it or above it, or of the file its `importMap` names.
 *
 * @param fromDir The folder to start from (the entry's folder).
 * @returns The map, or `undefined` when no config file is found up to the root.
 * @throws {ObentoError} `BAD_SERVICE` when the config file is not valid JSON(C).
 *
 * @example
 * ```ts
 * import { findImportMap } from "./import_map.ts";
 * const map = await findImportMap("examples/echo");
 * console.log(map?.file); // "/…/deno.json"
 * ```
 */
export async function findImportMap(fromDir: string): Promise<ImportMap | undefined> {
  for (let dir = fromDir;; dir = dirname(dir)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const file = join(dir, name);
      if (!(await isFile(file))) continue;
      const config = parseJsonc(await Deno.readTextFile(file), file);
      let imports = config.imports;
      let base = dir;
      if (imports === undefined && typeof config.importMap === "string") {
        const mapFile = resolve(dir, config.importMap);
        imports = parseJsonc(await Deno.readTextFile(mapFile), mapFile).imports;
        base = dirname(mapFile);
      }
      return { file, imports: importEntries(imports, base) };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function importEntries(imports: unknown, base: string): Map<string, string> {
  const entries = new Map<string, string>();
  if (!imports || typeof imports !== "object") return entries;
  for (const [key, value] of Object.entries(imports)) {
    if (typeof value !== "string") continue;
    const target = value.startsWith("./") || value.startsWith("../") || value.startsWith("/")
      ? resolve(base, value) + (value.endsWith("/") ? "/" : "")
      : value;
    entries.set(key, target);
    // Deno maps "pkg/sub" through "pkg" when "pkg" is an npm: or jsr: specifier.
    if (!key.endsWith("/") && /^(npm|jsr):/.test(value) && !entries.has(key + "/")) {
      entries.set(key + "/", value.replace(/\/$/, "") + "/");
    }
  }
  return entries;
}

/**
 * Maps a bare specifier through an import map: an exact key wins, else the longest key ending in `/` that
 * prefixes it.
 *
 * @param map The import map, from {@link findImportMap}.
 * @param specifier The bare specifier, e.g. `yaml` or `lib/greet.ts`.
 * @returns What it maps to, or `undefined` when no key matches.
 *
 * @example
 * ```ts
 * import { applyImportMap } from "./import_map.ts";
 * const map = { file: "deno.json", imports: new Map([["yaml", "npm:yaml@2"], ["yaml/", "npm:yaml@2/"]]) };
 * console.log(applyImportMap(map, "yaml/util")); // "npm:yaml@2/util"
 * ```
 */
export function applyImportMap(map: ImportMap, specifier: string): string | undefined {
  const exact = map.imports.get(specifier);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const key of map.imports.keys()) {
    if (key.endsWith("/") && specifier.startsWith(key) && (!best || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : map.imports.get(best) + specifier.slice(best.length);
}

function parseJsonc(text: string, file: string): Record<string, unknown> {
  // Drop comments and trailing commas outside strings.
  const stripped = text.replace(
    /("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\/|,(\s*[}\]])/g,
    (_m, str: string | undefined, close: string | undefined) => str ?? close ?? "",
  );
  try {
    const value = JSON.parse(stripped);
    return value && typeof value === "object" ? value : {};
  } catch (error) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${file} is not valid JSON(C): ${messageOf(error)}; fix it and pack again`,
    );
  }
}
