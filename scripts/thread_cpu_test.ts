import assert from "node:assert/strict";
import { groupDelta, parseThreadStats } from "./thread_cpu.ts";

// Two lines as /proc/<pid>/task/<tid>/stat gives them: utime and stime are fields 14 and 15 (in ticks).
const stat = (tid: number, name: string, utime: number, stime: number) =>
  `${tid} (${name}) S 1 ${tid} ${tid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 9 0 1 2 3`;

Deno.test("parseThreadStats: name (even with spaces and parentheses) and user + system seconds per tid", () => {
  const text = [stat(10, "deno", 150, 50), stat(11, "worker-1", 30, 0), stat(12, "V8 (x) y", 1, 2), ""]
    .join("\n");
  assert.deepEqual(
    [...parseThreadStats(text)],
    [[10, { name: "deno", seconds: 2 }], [11, { name: "worker-1", seconds: 0.3 }], [12, {
      name: "V8 (x) y",
      seconds: 0.03,
    }]],
  );
});

Deno.test("groupDelta: the main thread, the workers (summed or each), helpers; new threads count from 0", () => {
  const before = parseThreadStats([stat(10, "deno", 100, 0), stat(11, "worker-1", 100, 0)].join("\n"));
  const after = parseThreadStats(
    [
      stat(10, "deno", 150, 0),
      stat(11, "worker-1", 120, 0),
      stat(12, "worker-2", 40, 0),
      stat(13, "V8 Worker", 5, 0),
    ]
      .join("\n"),
  );
  const rounded = (groups: [string, number][]) => groups.map(([g, s]) => [g, Math.round(s * 100) / 100]);
  assert.deepEqual(rounded(groupDelta(10, before, after)), [
    ["model workers", 0.6],
    ["main thread", 0.5],
    ["V8 helpers (GC, compiler)", 0.05],
  ]);
  assert.deepEqual(rounded(groupDelta(10, before, after, true)), [
    ["main thread", 0.5],
    ["worker-2", 0.4],
    ["worker-1", 0.2],
    ["V8 helpers (GC, compiler)", 0.05],
  ]);
});
