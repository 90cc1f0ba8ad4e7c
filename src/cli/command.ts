/**
 * The contract every CLI command implements. `main.ts` reads the environment once into a {@link CliContext}
 * and passes it down; commands never read `Deno.env` themselves.
 *
 * @module
 */
import type { HeapTrimmer } from "../heap_trim.ts";

/** Where output goes; tests pass collectors. */
export interface CliOutput {
  /** Writes to standard output (no newline added). */
  out(text: string): void;
  /** Writes to standard error (no newline added). */
  err(text: string): void;
}

/** The `AWS_*` variables an S3 store reads (`registry serve --store s3://…`), read once by main.ts. */
export interface AwsEnv {
  /** `AWS_ACCESS_KEY_ID`. */
  readonly accessKeyId?: string;
  /** `AWS_SECRET_ACCESS_KEY`. */
  readonly secretAccessKey?: string;
  /** `AWS_SESSION_TOKEN` (temporary credentials). */
  readonly sessionToken?: string;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`. */
  readonly region?: string;
}

/** Settings read once from the environment and flags common to all commands. */
export interface CliContext extends CliOutput {
  /** `$OBENTO_HOME`, default `~/.obento`: registry.db and bundles/. */
  readonly home: string;
  /** Working directory that relative paths resolve against. */
  readonly cwd: string;
  /** True when standard output is a terminal (tables, colours, progress bars). */
  readonly isTerminal: boolean;
  /**
   * Gives freed native memory back to the OS (glibc's `malloc_trim`), where the process could bind it at
   * start (src/heap_trim.ts); `serve` calls it once models are warm and whenever traffic stops.
   */
  readonly trimHeap?: HeapTrimmer;
  /** `OBENTO_DEBUG=1`: after an error line, print its stack trace (and its causes'). */
  readonly debug?: boolean;
  /** `$OBENTO_REGISTRY_URL`: the registry server list/get/delete/retrieve/push/pull use without --registry. */
  readonly registryUrl?: string;
  /**
   * `$OBENTO_NATIVE_DIR`: the native runtime pack's folder (src/backends/native_pack.ts) for serve and run
   * without `--native-dir`.
   */
  readonly nativeDir?: string;
  /** `$TMPDIR`: where `obento run` copies stdin for its sandboxed worker (default the system's, /tmp). */
  readonly tmpDir?: string;
  /** `Deno.execPath()`: serve and run look for a native runtime pack beside it. */
  readonly execPath?: string;
  /** `$OBENTO_TOKEN`: the bearer token sent to a registry server. */
  readonly token?: string;
  /** The `AWS_*` variables, for an S3 store. */
  readonly aws?: AwsEnv;
  /** True when standard error is a terminal (progress lines). */
  readonly stderrIsTerminal?: boolean;
}

/** One `obento <name>` command. */
export interface Command {
  /** The word after `obento`, e.g. "pack". */
  readonly name: string;
  /** One line for `obento --help`. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /** Runs the command with its own arguments; returns the exit code. Throws ObentoError for failures. */
  run(args: string[], ctx: CliContext): Promise<number>;
}
