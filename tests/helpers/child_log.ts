/** A child process's output gathered as text while it runs, for start-up checks and failure messages. */
export interface ChildLog {
  /** Everything read so far. */
  readonly text: string;
  /** Settles once the stream has ended. */
  readonly done: Promise<void>;
}

/**
 * Reads `stream` (a spawned child's `stderr`, say) to its end in the background, keeping it as text.
 *
 * @example
 * ```ts ignore
 * const child = new Deno.Command("obento", { args: ["serve"], stderr: "piped" }).spawn();
 * const log = collectLog(child.stderr);
 * // … later: /listening on (\S+)/.exec(log.text)
 * ```
 */
export function collectLog(stream: ReadableStream<Uint8Array>): ChildLog {
  let text = "";
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })();
  return {
    get text() {
      return text;
    },
    done,
  };
}
