/**
 * Test helper: turns README.md's fenced `sh` and `ts` blocks into one bash script that runs them in order, so
 * the README is executed as written (tests/readme_test.ts).
 *
 * A block is shaped by an HTML comment on the line before its fence (invisible on GitHub):
 * - `<!-- readme-test: skip -->` leaves it out (the set-up commands, which run the test suite itself);
 * - `<!-- readme-test: write PATH -->` writes a `ts` block to PATH (relative to the script's directory at
 *   that point; shell variables in PATH are expanded) instead of running it;
 * - `<!-- readme-test: background -->` starts an `sh` block (a server) in its own process group and waits
 *   until `READY_URL` answers before going on; the test stops the group at the end.
 *
 * Inside `sh` blocks, a comment line `# => TEXT` right after a command says the command's standard output
 * contains TEXT; the script checks it. A `ts` block that shows a file another block uses is marked
 * `<!-- readme-test: same-as PATH -->` and must equal that file without its leading module doc comment.
 *
 * @module
 */

/** One fenced block of the README. */
export interface ReadmeBlock {
  /** `sh` or `ts`. */
  readonly lang: string;
  /** The block's text, without fences. */
  readonly body: string;
  /** The directive before it, e.g. `skip`, `write predict.ts`, `background`. */
  readonly directive?: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** The README's `sh`, `ts` and `typescript` blocks, in order, with their directives. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (!open) {
      if (lines[i].startsWith("```")) {
        const end = lines.indexOf("```", i + 1);
        if (end > i) i = end;
      }
      continue;
    }
    const end = lines.indexOf("```", i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code block`);
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === "") j--;
    const directive = j >= 0 ? /^<!--\s*readme-test:\s*(.+?)\s*-->$/.exec(lines[j].trim())?.[1] : undefined;
    const lang = open[1] === "typescript" ? "ts" : open[1];
    if (lang === "sh" || lang === "ts") {
      blocks.push({ lang, body: lines.slice(i + 1, end).join("\n"), directive, line: i + 1 });
    }
    i = end;
  }
  return blocks;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** An `sh` block with each `# => TEXT` check turned into a check of the command before it. */
function checkedCommands(body: string, line: number): string {
  const lines = body.split("\n");
  const out: string[] = [];
  let command: string[] = [];
  let commandLine = 0;
  const flush = (expected?: string) => {
    if (command.length === 0) return;
    const text = command.join("\n");
    if (expected === undefined) {
      out.push(text);
    } else {
      out.push(
        `__out=$( ${text}
)`,
        `printf '%s\\n' "$__out"`,
        `grep -qF -- ${shellQuote(expected)} <<<"$__out" || ` +
          `{ echo ${
            shellQuote(`README.md:${commandLine}: expected output containing ${expected}`)
          } >&2; exit 1; }`,
      );
    }
    command = [];
  };
  for (let k = 0; k < lines.length; k++) {
    const text = lines[k];
    const expect = /^#\s*=>\s*(.+)$/.exec(text.trim());
    if (expect) {
      flush(expect[1]);
      continue;
    }
    const continued = command.length > 0 && /\\\s*$/.test(command[command.length - 1]);
    if (!continued) {
      flush();
      commandLine = line + 1 + k;
    }
    if (continued || (text.trim() !== "" && !text.trim().startsWith("#"))) command.push(text);
    else out.push(text);
  }
  flush();
  return out.join("\n");
}

/** Options for {@link readmeScript}. */
export interface ReadmeScriptOptions {
  /** Replaces the port 3000 the README uses, so the test does not collide with anything. */
  port: number;
  /** A file the background block's process-group id is written to. */
  backgroundPidFile: string;
  /** A file the background block's output goes to. */
  backgroundLog: string;
}

/** One bash script that runs the README's blocks in order (see the module doc for the directives). */
export function readmeScript(blocks: readonly ReadmeBlock[], options: ReadmeScriptOptions): string {
  const port = (text: string) =>
    text.replaceAll("--port 3000", `--port ${options.port}`).replaceAll(":3000/", `:${options.port}/`);
  const parts = ["set -euo pipefail"];
  for (const block of blocks) {
    const where = `README.md:${block.line}`;
    const directive = block.directive ?? "";
    if (directive === "skip") continue;
    parts.push(`echo ${shellQuote(`--- ${where}`)}`);
    if (block.lang === "ts") {
      const write = /^write\s+(\S+)$/.exec(directive);
      const same = /^same-as\s+(\S+)$/.exec(directive);
      if (write) {
        // Double quotes: the path may name a shell variable the README set (e.g. $out).
        parts.push(`cat > "${write[1]}" <<'README_TS_EOF'\n${block.body}\nREADME_TS_EOF`);
      } else if (same) {
        // The file's leading module doc comment is not repeated in the README.
        parts.push(
          `diff <(cat <<'README_TS_EOF'\n${block.body}\nREADME_TS_EOF\n) ` +
            `<(perl -0pe 's{\\A/\\*\\*.*?\\*/\\n}{}s' ${shellQuote(same[1])}) || ` +
            `{ echo ${shellQuote(`${where}: the block differs from ${same[1]}`)} >&2; exit 1; }`,
        );
      } else {
        throw new Error(
          `${where}: a ts block needs a readme-test directive (write PATH, same-as PATH, skip)`,
        );
      }
      continue;
    }
    if (directive === "background") {
      parts.push(
        `setsid bash -c "$(declare -f)"${shellQuote(`\n${port(block.body)}`)} > ${
          shellQuote(options.backgroundLog)
        } 2>&1 &`,
        `echo $! > ${shellQuote(options.backgroundPidFile)}`,
        `for __i in $(seq 1 600); do`,
        `  curl -fs -o /dev/null http://127.0.0.1:${options.port}/readyz && break`,
        `  sleep 0.2`,
        `done`,
        `curl -fs -o /dev/null http://127.0.0.1:${options.port}/readyz || ` +
          `{ echo ${shellQuote(`${where}: the server did not become ready`)} >&2; ` +
          `cat ${shellQuote(options.backgroundLog)} >&2; exit 1; }`,
      );
      continue;
    }
    if (directive !== "") throw new Error(`${where}: unknown readme-test directive "${directive}"`);
    parts.push(checkedCommands(port(block.body), block.line));
  }
  return parts.join("\n") + "\n";
}
