/**
 * Test helper: reads a Dockerfile into its instructions (keyword and arguments), joining `\` continuation
 * lines and dropping comments, and reads exec-form (JSON array) arguments.
 *
 * @module
 */

/** One instruction. */
export interface Instruction {
  /** The keyword, upper case (FROM, COPY, CMD, …). */
  readonly keyword: string;
  /** Everything after the keyword, trimmed. */
  readonly args: string;
}

/** The instructions of `text`, in order. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(full);
    if (!m) throw new Error(`not a Dockerfile instruction: ${full}`);
    out.push({ keyword: m[1].toUpperCase(), args: m[2].trim() });
  }
  if (pending !== "") throw new Error("the Dockerfile ends in a continuation line");
  return out;
}

/** The exec-form argument list of an instruction (`["a", "b"]`); throws for shell form. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) {
    throw new Error(`not an exec-form argument list: ${args}`);
  }
  return parsed;
}
