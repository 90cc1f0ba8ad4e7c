/**
 * Calls one API on already-decoded items and turns what the API returns into one outcome per item. This is
 * the single place where batch semantics live: merging items, one task per row, checking the result length,
 * per-item `discard` / {@link InferenceError} / {@link InferenceResult}, and splitting rows back to items.
 *
 * @module
 */
import { httpStatusOf, messageOf, ObentoError } from "../errors.ts";
import { explainRefusal } from "../bundle/permission_refusal.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import { InferenceError, InferenceResult, InferenceTask } from "../sdk/inference.ts";
import type { ApiContext, ApiSpec } from "../sdk/service.ts";

/** A successful item. */
export interface OkOutcome {
  /** Discriminant. */
  readonly ok: true;
  /** The item's result; for rowwise inputs, the list of its rows' results. */
  readonly value: unknown;
  /** Status (200 unless an InferenceResult said otherwise). */
  readonly status: number;
  /** Extra headers from InferenceResult values. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A failed item. */
export interface ErrorOutcome {
  /** Discriminant. */
  readonly ok: false;
  /** HTTP-style status. */
  readonly status: number;
  /** What went wrong with this item. */
  readonly message: string;
  /** For a 5xx from a thrown error: its stack, for the server's log (never sent to the client). */
  readonly stack?: string;
  /**
   * True when the whole call failed, not this item (a batch handler threw, or returned the wrong number of
   * results): every item of the call has this same outcome, and alone it might have gone through.
   */
  readonly wholeCall?: true;
}

/** The outcome of one item. */
export type ItemOutcome = OkOutcome | ErrorOutcome;

/** Artifacts, metadata and an abort signal, shared by every call of a loaded service. */
export type InvokeContext<A extends ArtifactSpecs = ArtifactSpecs> = ApiContext<A>;

interface RowOutcome {
  ok: boolean;
  value?: unknown;
  status: number;
  message?: string;
  headers?: Record<string, string>;
}

function rowOutcome(task: InferenceTask, result: unknown): RowOutcome {
  const discarded = task.discarded;
  if (discarded) return { ok: false, status: discarded.status, message: discarded.message };
  if (result instanceof InferenceError) return { ok: false, status: result.status, message: result.message };
  if (result instanceof InferenceResult) {
    return { ok: true, value: result.data, status: result.status, headers: { ...result.headers } };
  }
  return { ok: true, value: result, status: 200 };
}

/** The outcome of an item that `error` failed. */
function failed(error: unknown): ErrorOutcome {
  const status = httpStatusOf(error);
  const stack = status >= 500 && error instanceof Error ? error.stack : undefined;
  return stack === undefined
    ? { ok: false, status, message: explainRefusal(messageOf(error)) }
    : { ok: false, status, message: explainRefusal(messageOf(error)), stack };
}

/** The outcomes of the `count` items of a call that `error` failed as a whole. */
function failAll(count: number, error: unknown): ItemOutcome[] {
  const outcome: ErrorOutcome = { ...failed(error), wholeCall: true };
  return Array.from({ length: count }, () => outcome);
}

function itemFromRows(rows: RowOutcome[], rowwise: boolean): ItemOutcome {
  if (!rowwise) {
    const r = rows[0];
    return r.ok
      ? { ok: true, value: r.value, status: r.status, headers: r.headers ?? {} }
      : { ok: false, status: r.status, message: r.message ?? "failed" };
  }
  const failed = rows.findIndex((r) => !r.ok);
  if (failed >= 0) {
    const r = rows[failed];
    const where = rows.length > 1 ? `row ${failed}: ` : "";
    return { ok: false, status: r.status, message: `${where}${r.message}` };
  }
  const headers: Record<string, string> = {};
  for (const r of rows) Object.assign(headers, r.headers);
  return { ok: true, value: rows.map((r) => r.value), status: rows[0]?.status ?? 200, headers };
}

/**
 * Runs `api` on decoded `items` and returns one outcome per item, in order. Never throws for item-level
 * problems; a batch API that returns the wrong number of results fails every item of that batch with a 500
 * naming the API and both counts.
 *
 * @param api the API as declared by the service
 * @param items decoded items (from the API's input adapter)
 * @param ctx artifacts, metadata and abort signal
 */
export async function invokeApi<A extends ArtifactSpecs>(
  api: ApiSpec<A>,
  items: readonly unknown[],
  ctx: InvokeContext<A>,
): Promise<ItemOutcome[]> {
  if (items.length === 0) return [];
  const rowwise = api.input.rowwise === true;
  if (!api.batch) {
    return await Promise.all(items.map(async (item) => {
      const task = new InferenceTask(0);
      try {
        const result = await api.handler(item, { ...ctx, task });
        return itemFromRows([rowOutcome(task, result)], false);
      } catch (error) {
        return failed(error);
      }
    }));
  }

  const rowCounts = items.map((item) => (rowwise ? api.input.rows(item) : 1));
  const total = rowCounts.reduce((a, b) => a + b, 0);
  const tasks = Array.from({ length: total }, (_, i) => new InferenceTask(i));
  let results: readonly unknown[];
  try {
    const merged = api.input.merge(items);
    results = await api.handler(merged, { ...ctx, tasks });
  } catch (error) {
    return failAll(items.length, error);
  }
  if (!Array.isArray(results) || results.length !== total) {
    const got = Array.isArray(results) ? `${results.length} results` : `a ${typeof results}`;
    return failAll(
      items.length,
      new ObentoError(
        "INTERNAL",
        `batch API "${api.name}" returned ${got} for a batch of ${total} rows; a batch API must return ` +
          `a list with exactly one result per input row`,
      ),
    );
  }
  const outcomes: ItemOutcome[] = [];
  let offset = 0;
  for (const count of rowCounts) {
    const plain = rowwise ? plainRows(tasks, results, offset, count) : undefined;
    if (plain !== undefined) outcomes.push({ ok: true, value: plain, status: 200, headers: {} });
    else {
      const rows: RowOutcome[] = [];
      for (let i = offset; i < offset + count; i++) rows.push(rowOutcome(tasks[i], results[i]));
      outcomes.push(itemFromRows(rows, rowwise));
    }
    offset += count;
  }
  return outcomes;
}

/**
 * The results of rows `offset…offset+count` as one list when every one is a plain value (none discarded,
 * none an `InferenceError` or `InferenceResult`): what {@link itemFromRows} would make of them, without an
 * outcome object per row (a batch run's chunk has thousands of rows). Undefined otherwise.
 */
function plainRows(
  tasks: readonly InferenceTask[],
  results: readonly unknown[],
  offset: number,
  count: number,
): unknown[] | undefined {
  for (let i = offset; i < offset + count; i++) {
    const r = results[i];
    if (tasks[i].discarded !== undefined || r instanceof InferenceError || r instanceof InferenceResult) {
      return undefined;
    }
  }
  return results.slice(offset, offset + count);
}
