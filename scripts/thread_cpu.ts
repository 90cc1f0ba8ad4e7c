/**
 * CPU time per thread of a process, from `/proc/<pid>/task/<tid>/stat` (read with `cat`: Deno reads /proc only
 * with --allow-all), grouped the way the serving benchmarks report it: the main thread, the model workers, V8's
 * helper threads, Deno's I/O threads. Used by `profile_serve.ts` (CPU per request) and `bench_overload.ts`
 * (which thread saturates under overload).
 *
 * @module
 */

/** One thread's name and CPU seconds (user + system) so far. */
export interface ThreadTime {
  name: string;
  seconds: number;
}

/** Parses the text of `/proc/<pid>/task/*\/stat` files, one per line, into tid → {@link ThreadTime}. */
export function parseThreadStats(text: string, ticksPerSecond = 100): Map<number, ThreadTime> {
  const out = new Map<number, ThreadTime>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const tid = Number(line.slice(0, line.indexOf(" ")));
    // The name is in parentheses and may itself hold spaces or parentheses: the last ")" ends it.
    const name = line.slice(line.indexOf("(") + 1, line.lastIndexOf(")"));
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    // After the name: state(0) … utime(11) stime(12), in clock ticks.
    out.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond });
  }
  return out;
}

/** CPU seconds per thread of `pid` (tid → name and seconds); an empty map when the process is gone. */
export async function threadCpu(pid: number | "self"): Promise<Map<number, ThreadTime>> {
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", `for f in /proc/${pid}/task/*/stat; do cat "$f" 2>/dev/null; echo; done`],
    stdout: "piped",
    stderr: "null",
  }).output();
  return parseThreadStats(new TextDecoder().decode(stdout));
}

/** A thread's group: the main thread, model workers (`worker-N`), V8's helpers, Deno's I/O threads, other. */
export function threadGroup(pid: number, tid: number, name: string): string {
  if (tid === pid) return "main thread";
  if (/^worker-\d+/.test(name)) return "model workers";
  if (/^V8 /.test(name)) return "V8 helpers (GC, compiler)";
  if (/^tokio/.test(name)) return "Deno I/O (tokio)";
  return `other (${name})`;
}

/**
 * CPU seconds spent by each group of threads of `pid` between two {@link threadCpu} snapshots (threads that
 * started in between count from 0), largest first; `perWorker` reports each model worker on its own (by its
 * thread name) instead of their sum.
 */
export function groupDelta(
  pid: number,
  before: Map<number, ThreadTime>,
  after: Map<number, ThreadTime>,
  perWorker = false,
): [string, number][] {
  const groups = new Map<string, number>();
  for (const [tid, { name, seconds }] of after) {
    let group = threadGroup(pid, tid, name);
    if (perWorker && group === "model workers") group = name;
    groups.set(group, (groups.get(group) ?? 0) + seconds - (before.get(tid)?.seconds ?? 0));
  }
  return [...groups].sort((a, b) => b[1] - a[1]);
}
