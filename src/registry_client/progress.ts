/**
 * A one-line progress display for pushes and pulls on a terminal's stderr: `push Iris:1  12.0 MiB / 40.0 MiB
 * (30%)`, redrawn at most every 100 ms.
 *
 * @module
 */

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A progress line. */
export interface Progress {
  /** Reports bytes moved so far. */
  update(bytes: number): void;
  /** Draws the last state and ends the line. */
  done(): void;
}

/**
 * A progress line written with `write` (e.g. stderr), or one that does nothing when `enabled` is false.
 *
 * @example
 * ```ts
 * import { progressLine } from "./progress.ts";
 * const p = progressLine((t) => console.error(t), "push Iris:1", 1024, false);
 * p.update(512);
 * p.done(); // prints nothing: disabled
 * ```
 */
export function progressLine(
  write: (text: string) => void,
  label: string,
  total: number | undefined,
  enabled: boolean,
): Progress {
  if (!enabled) return { update() {}, done() {} };
  let last = 0;
  let bytes = 0;
  const draw = () =>
    write(
      `\r${label}  ${mib(bytes)}${
        total ? ` / ${mib(total)} (${Math.floor((bytes / total) * 100)}%)` : ""
      }\x1b[K`,
    );
  return {
    update(n) {
      bytes = n;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        draw();
      }
    },
    done() {
      draw();
      write("\n");
    },
  };
}

/** Counts the bytes flowing through a stream. */
export function counting(onBytes: (total: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let total = 0;
  return new TransformStream({
    transform(chunk, controller) {
      total += chunk.length;
      onBytes(total);
      controller.enqueue(chunk);
    },
  });
}
