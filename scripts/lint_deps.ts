/**
 * `deno task lint:deps [--report]`: checks the import graph of obento's own code (from `deno info --json`):
 *
 * - no import cycle between files (type-only imports count: a type in the wrong file is a cycle too);
 * - no import cycle between `src/` folders;
 * - nothing under `src/` imports `mod.ts` (mod.ts is the public face on top of the internals);
 * - every edge between `src/` folders is one that docs/architecture.md's "Allowed imports" table allows.
 *
 * Exits 1 and lists every finding; `--report` also prints the folder edges with their counts and exits 0.
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ args: Deno.args, options: { report: { type: "boolean" } } });

/** The modules obento starts from: the CLI, the SDK, and the entry modules of its Web Workers. */
async function roots(): Promise<string[]> {
  const found = ["main.ts", "mod.ts"];
  for await (const file of walk("src")) {
    if (!file.endsWith("_test.ts") && !file.includes("/_testing")) found.push(file);
  }
  return found;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

interface InfoModule {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier: string }; type?: { specifier: string } }[];
}

/** File → the files it imports (code or type), both relative to the repository root. */
async function importGraph(): Promise<Map<string, Set<string>>> {
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const files = await roots();
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import "${new URL(f, `file://${ROOT}`).href}";\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--quiet", entry],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
    const local = (specifier: string) =>
      specifier.startsWith(`file://${ROOT}`) ? relative(ROOT, fileURLToPath(specifier)) : undefined;
    const graph = new Map<string, Set<string>>();
    for (const module of info.modules) {
      const from = local(module.specifier);
      if (from === undefined) continue;
      const to = new Set<string>();
      for (const dep of module.dependencies ?? []) {
        for (const target of [dep.code?.specifier, dep.type?.specifier]) {
          const file = target === undefined ? undefined : local(target);
          if (file !== undefined) to.add(file);
        }
      }
      graph.set(from, to);
    }
    return graph;
  } finally {
    await Deno.remove(entry);
  }
}

/** Strongly connected components with more than one member (or a self-edge): the cycles. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

/** `src/<folder>/x.ts` → `<folder>`; `src/x.ts` → `.` (the small top-level modules form one layer). */
function folderOf(file: string): string | undefined {
  const parts = file.split("/");
  if (parts[0] !== "src") return undefined;
  return parts.length > 2 ? parts[1] : ".";
}

/** The "Allowed imports" table of docs/architecture.md: folder → the folders it may import. */
async function allowedEdges(): Promise<Map<string, Set<string>>> {
  const doc = await Deno.readTextFile(`${ROOT}docs/architecture.md`);
  const section = /## Allowed imports\n([\s\S]*?)(\n## |$)/.exec(doc)?.[1];
  if (section === undefined) throw new Error('docs/architecture.md has no "## Allowed imports" section');
  const allowed = new Map<string, Set<string>>();
  for (const line of section.split("\n")) {
    const cells = /^\|\s*`([^`]+)`\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (!cells) continue;
    const targets = [...cells[2].matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\/$/, ""));
    allowed.set(cells[1].replace(/\/$/, ""), new Set(targets));
  }
  return allowed;
}

const graph = await importGraph();
const problems: string[] = [];
for (const cycle of cycles(graph)) problems.push(`file cycle: ${cycle.join(" ↔ ")}`);
for (const [from, to] of graph) {
  if (from.startsWith("src/") && to.has("mod.ts")) problems.push(`${from} imports mod.ts (src/ must not)`);
}
const folderGraph = new Map<string, Set<string>>();
const edgeCount = new Map<string, { count: number; example: string }>();
for (const [from, to] of graph) {
  const a = folderOf(from);
  if (a === undefined) continue;
  for (const target of to) {
    const b = folderOf(target);
    if (b === undefined || b === a) continue;
    if (!folderGraph.has(a)) folderGraph.set(a, new Set());
    folderGraph.get(a)!.add(b);
    const key = `${a} → ${b}`;
    const seen = edgeCount.get(key);
    edgeCount.set(key, { count: (seen?.count ?? 0) + 1, example: seen?.example ?? `${from} → ${target}` });
  }
}
for (const cycle of cycles(folderGraph)) problems.push(`folder cycle: ${cycle.join(" ↔ ")}`);
const allowed = await allowedEdges();
for (const [key, { example }] of [...edgeCount].sort()) {
  const [a, b] = key.split(" → ");
  if (!allowed.has(a)) problems.push(`src/${a} is not in docs/architecture.md's "Allowed imports" table`);
  else if (!allowed.get(a)!.has(b)) {
    problems.push(`${key} is not allowed by docs/architecture.md (e.g. ${example})`);
  }
}
if (values.report) {
  console.log("folder edges (count, one example):");
  for (const [key, { count, example }] of [...edgeCount].sort()) {
    console.log(`  ${key}  ${count}  (${example})`);
  }
}
for (const problem of [...new Set(problems)]) console.log(problem);
console.log(`${graph.size} files checked, ${problems.length} problem(s)`);
if (problems.length > 0 && !values.report) Deno.exit(1);
