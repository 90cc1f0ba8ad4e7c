/**
 * Fault scenario: SIGTERM to `obento serve` under load. Clients keep posting to the iris bundle's API over
 * keep-alive connections, each request with its own `x-request-id`; at a random moment the server gets
 * SIGTERM. Every request sent before the signal must be answered: one the server took in (its id is in the
 * server's access log) and one sent on a keep-alive connection as the server stopped (a network error, its
 * id not in the log: the race the shutdown drain, src/server/drain.ts, closes by answering with
 * `Connection: close` before it stops accepting; counted apart). Requests sent after the signal may be
 * refused at connect once the drain is over. The server must exit 0.
 *
 * @module
 */
import { join } from "node:path";
import { packIris } from "../cli.ts";
import { startServer } from "../server.ts";
import { count, newResult, randomMs, type ScenarioOptions, type ScenarioResult } from "./common.ts";

/** Options for {@link sigtermUnderLoad}. */
export interface SigtermOptions extends ScenarioOptions {
  /** Concurrent clients. Default 16. */
  clients?: number;
  /** `obento serve --transport` (default: its default, deno). */
  transport?: "deno" | "bounded";
  /** More `obento serve` flags (e.g. `--shutdown-drain 0` for the figure without the drain). */
  serveArgs?: readonly string[];
}

const ROW = [5.1, 3.5, 1.4, 0.2];

/** Runs the scenario (see the module doc). */
export async function sigtermUnderLoad(options: SigtermOptions): Promise<ScenarioResult> {
  const result = newResult(
    options.transport === undefined
      ? "SIGTERM under load"
      : `SIGTERM under load (--transport ${options.transport})`,
  );
  const home = join(options.work, "sigterm-home");
  await Deno.mkdir(home, { recursive: true });
  const bundle = await packIris(home);
  const clients = options.clients ?? 16;
  for (let round = 0; round < options.rounds; round++) {
    const server = await startServer(
      home,
      [
        bundle,
        ...(options.transport === undefined ? [] : ["--transport", options.transport]),
        ...(options.serveArgs ?? []),
      ],
    );
    let signalled = Infinity;
    let stop = false;
    const before = { answered: 0, dropped: 0, raced: 0 };
    const after = { answered: 0, refused: 0 };
    const statuses: Record<number, number> = {};
    const body = JSON.stringify(Array(8).fill(ROW));
    const failed: { id: string; before: boolean; what: string }[] = [];
    let next = 0;
    const client = async () => {
      while (!stop) {
        const sentAt = performance.now();
        const id = `f${round}-${next++}`;
        try {
          const r = await fetch(`${server.url}/predict`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-request-id": id },
            body,
          });
          const text = await r.text();
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status !== 200) {
            const sent = signalled === Infinity
              ? "before"
              : sentAt < signalled
              ? `${(signalled - sentAt).toFixed(1)} ms before`
              : "after";
            options.log?.(`sigterm ${round}: ${id} (sent ${sent} SIGTERM): HTTP ${r.status} ${text}`);
          }
          if (sentAt < signalled) before.answered++;
          else after.answered++;
        } catch (error) {
          failed.push({
            id,
            before: sentAt < signalled,
            what: `sent ${(signalled - sentAt).toFixed(1)} ms before SIGTERM: ${error} ${
              (error as Error).cause ?? ""
            }`,
          });
          if (performance.now() > signalled) return; // the server is gone
        }
      }
    };
    const running = Array.from({ length: clients }, client);
    const delay = randomMs(300, 1500);
    await new Promise((r) => setTimeout(r, delay));
    signalled = performance.now();
    const code = await server.stop("SIGTERM"); // one signal: a second one would exit at once

    stop = true;
    await Promise.all(running);
    result.rounds++;
    const log = server.log();
    for (const f of failed) {
      if (log.includes(`request_id=${f.id}\n`) || log.includes(`request_id=${f.id} `)) {
        before.dropped++;
        result.failures.push(
          `round ${round}: request ${f.id} was taken in by the server but not answered (${f.what})`,
        );
      } else if (f.before) {
        before.raced++;
        result.failures.push(
          `round ${round}: request ${f.id}, sent before the signal, met a closing connection (${f.what})`,
        );
      } else after.refused++;
    }
    if (code !== 0) result.failures.push(`round ${round}: the server exited ${code}`);
    const add = (kind: string, n: number) => (result.counts[kind] = (result.counts[kind] ?? 0) + n);
    add("requests sent before SIGTERM", before.answered + before.dropped + before.raced);
    add("… answered", before.answered);
    add("… taken in by the server, not answered (dropped)", before.dropped);
    add("… met a connection closing before the server read them (not run)", before.raced);
    result.counts["sent after SIGTERM: answered"] = (result.counts["sent after SIGTERM: answered"] ?? 0) +
      after.answered;
    result.counts["sent after SIGTERM: refused at connect"] =
      (result.counts["sent after SIGTERM: refused at connect"] ?? 0) + after.refused;
    for (const [status, n] of Object.entries(statuses)) {
      result.counts[`HTTP ${status}`] = (result.counts[`HTTP ${status}`] ?? 0) + n;
    }
    count(result, "server exits 0");
    if (code !== 0) result.counts["server exits 0"]--;
    options.log?.(
      `sigterm ${round}: after ${delay} ms of load: ${before.answered} answered, ${before.dropped} dropped, ` +
        `${before.raced} not read, ${after.refused} refused after; exit ${code}`,
    );
  }
  return result;
}
