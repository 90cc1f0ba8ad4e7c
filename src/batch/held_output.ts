/**
 * {@link HeldOutput}: a run's output to stdout, held back until the run ends (or until it outgrows a bound),
 * so a run that fails early writes nothing rather than half a document.
 *
 * @module
 */

/** Bytes held back at most before the output starts to stream (1 MiB). */
export const STDOUT_HOLD_BYTES = 1 << 20;

/**
 * Output held in memory until {@link HeldOutput.release} (the run went through) or {@link HeldOutput.drop}
 * (it failed). Past `limit` bytes it is released and streams from then on, so memory stays bounded; a run
 * that fails after that point has written what it wrote.
 *
 * @example
 * ```ts
 * import { HeldOutput } from "./held_output.ts";
 * const written: string[] = [];
 * const out = new HeldOutput((b) => written.push(new TextDecoder().decode(b)));
 * out.write(new TextEncoder().encode("["));
 * out.drop(); // the run failed
 * console.log(written.length); // 0
 * ```
 */
export class HeldOutput {
  readonly #write: (bytes: Uint8Array) => void;
  readonly #limit: number;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #streaming = false;

  /**
   * @param write where the bytes go in the end
   * @param limit bytes held at most before streaming (default {@link STDOUT_HOLD_BYTES})
   */
  constructor(write: (bytes: Uint8Array) => void, limit: number = STDOUT_HOLD_BYTES) {
    this.#write = write;
    this.#limit = limit;
  }

  /** True once the output has started to go out (released, or past the bound). */
  get streaming(): boolean {
    return this.#streaming;
  }

  /** Holds `bytes`, or writes them once streaming. */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.#streaming) {
      this.#write(bytes);
      return;
    }
    this.#held.push(bytes);
    this.#heldBytes += bytes.length;
    if (this.#heldBytes > this.#limit) this.release();
  }

  /** Writes what is held; later writes go straight out. */
  release(): void {
    this.#streaming = true;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const bytes of held) this.#write(bytes);
  }

  /** Forgets what is held (the run failed); what already went out (past the bound) stays out. */
  drop(): void {
    this.#held = [];
    this.#heldBytes = 0;
  }
}
