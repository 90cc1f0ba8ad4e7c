/**
 * Progress of a batch run on stderr: a bar redrawn in place on a terminal (rows, rows/s, and percent and ETA
 * when the input's size is known), plain lines every few seconds otherwise, and a summary at the end.
 *
 * @module
 */

/** Where a run stands. */
export interface ProgressState {
  /** Records done in this run (after a resume point). */
  rows: number;
  /** Records that failed, in all (including before a resume). */
  failed: number;
  /** Fraction of the input read, 0…1, when its size is known. */
  fraction?: number;
}

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Writes to stderr (no newline added). */
  write: (text: string) => void;
  /** "bar" (a terminal), "lines" (a log) or "off" (`--quiet`). */
  mode: "bar" | "lines" | "off";
  /** Milliseconds between updates: bar redraws (default 200) or lines (default 10 000). */
  intervalMs?: number;
  /** The clock (default `performance.now`). */
  now?: () => number;
}

function rate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`
    : s >= 60
    ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
    : `${s}s`;
}

/**
 * Reports progress.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * let t = 0;
 * const lines: string[] = [];
 * const p = new Progress({ write: (s) => lines.push(s), mode: "lines", intervalMs: 1000, now: () => t });
 * t = 1000;
 * p.update({ rows: 5000, failed: 0, fraction: 0.5 });
 * console.log(lines[0]); // progress: 5000 rows, 0 failed, 5.0k rows/s, 50.0%, ETA 1s\n
 * ```
 */
export class Progress {
  readonly #options: ProgressOptions;
  readonly #now: () => number;
  readonly #start: number;
  readonly #interval: number;
  #last: number;
  #drawn = false;

  /** Starts the clock. */
  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#last = this.#start;
    this.#interval = options.intervalMs ?? (options.mode === "bar" ? 200 : 10_000);
  }

  /** Seconds since the start. */
  get elapsed(): number {
    return (this.#now() - this.#start) / 1000;
  }

  /** Reports `state` if an update is due. */
  update(state: ProgressState): void {
    if (this.#options.mode === "off") return;
    const now = this.#now();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    const text = this.#describe(state);
    if (this.#options.mode === "bar") {
      const width = 24;
      const bar = state.fraction === undefined
        ? ""
        : `[${"#".repeat(Math.round(state.fraction * width)).padEnd(width, ".")}] `;
      this.#options.write(`\r${bar}${text}\x1b[K`);
      this.#drawn = true;
    } else {
      this.#options.write(`progress: ${text}\n`);
    }
  }

  /** Clears the bar and writes the summary line (unless off). */
  finish(summary: string): void {
    if (this.#options.mode === "off") return;
    if (this.#drawn) this.#options.write("\r\x1b[K");
    this.#options.write(summary);
  }

  #describe(state: ProgressState): string {
    const seconds = this.elapsed;
    const perSecond = seconds > 0 ? state.rows / seconds : 0;
    let text = `${state.rows} rows, ${state.failed} failed, ${rate(perSecond)} rows/s`;
    if (state.fraction !== undefined && state.fraction > 0) {
      const eta = seconds * (1 - state.fraction) / state.fraction;
      text += `, ${(state.fraction * 100).toFixed(1)}%, ETA ${duration(eta)}`;
    }
    return text;
  }
}

/** The end-of-run line: rows, failures, time, rows/s. */
export function summaryLine(rows: number, failed: number, seconds: number): string {
  const perSecond = seconds > 0 ? rows / seconds : 0;
  return `done: ${rows} rows, ${failed} failed, ${seconds.toFixed(2)} s, ${rate(perSecond)} rows/s\n`;
}
