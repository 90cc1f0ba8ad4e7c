import assert from "node:assert/strict";
import { closingConnection, ConnectionDrain, type DrainEnd } from "./drain.ts";
import type { SetTimer } from "./set_timer.ts";

/** A fake clock: timers run only when the test advances it. */
class Clock {
  t = 0;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  setTimer: SetTimer = (fn, ms) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.#timers.push(timer);
    return () => (timer.live = false);
  };
  /** Moves to `t`, running every timer due on the way, in order. */
  to(t: number): void {
    for (;;) {
      const due = this.#timers.filter((x) => x.live && x.at <= t).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.t = due.at;
      due.fn();
    }
    this.t = t;
  }
  /** Moves to now + `ms` with no timer running on the way (a stalled event loop), then runs those due. */
  stall(ms: number): void {
    const due = this.#timers.filter((x) => x.live && x.at <= this.t + ms);
    this.t += ms;
    for (const timer of due) {
      if (!timer.live) continue;
      timer.live = false;
      timer.fn();
    }
  }
  get pending(): number {
    return this.#timers.filter((x) => x.live).length;
  }
}

/** Starts a drain; `ended()` says how it ended, or undefined while it lasts. */
function started(drain: ConnectionDrain): () => DrainEnd | undefined {
  let end: DrainEnd | undefined;
  drain.start().then((how) => (end = how));
  return () => end;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** A drain on `clock`. */
const drainOn = (clock: Clock, drainMs: number, quietMs?: number) =>
  new ConnectionDrain({ drainMs, quietMs, setTimer: clock.setTimer, now: () => clock.t });

Deno.test("ConnectionDrain: answers close their connection from start on, not before", () => {
  const clock = new Clock();
  const drain = drainOn(clock, 1000);
  assert.equal(drain.draining, false);
  assert.equal(drain.answer(new Response("a")).headers.get("connection"), null);
  drain.start();
  assert.equal(drain.draining, true);
  const answer = new Response("b", { status: 201, headers: { "x-request-id": "r1" } });
  const closed = drain.answer(answer);
  assert.equal(closed.headers.get("connection"), "close");
  assert.equal(closed.status, 201);
  assert.equal(closed.headers.get("x-request-id"), "r1");
});

Deno.test("ConnectionDrain: lasts its whole time while requests keep arriving, then ends", async () => {
  const clock = new Clock();
  const drain = drainOn(clock, 1000, 250);
  const ended = started(drain);
  for (let t = 100; t <= 1000; t += 100) {
    drain.arrived();
    clock.to(t - 1);
    await settle();
    assert.equal(ended(), undefined, `ended at ${t - 1} ms though a request came every 100 ms`);
  }
  clock.to(1000);
  await settle();
  assert.equal(ended(), "time");
  assert.equal(clock.pending, 0, "no timer left behind");
  assert.equal(drain.draining, true, "answers still close their connection while the server stops");
});

Deno.test("ConnectionDrain: ends once a quiet time passes without a request", async () => {
  const clock = new Clock();
  const drain = drainOn(clock, 5000, 250);
  const ended = started(drain);
  drain.arrived(); // during the first window
  clock.to(300);
  await settle();
  assert.equal(ended(), undefined);
  clock.to(499); // the second window (250–500 ms) had no request
  await settle();
  assert.equal(ended(), undefined);
  clock.to(500);
  await settle();
  assert.equal(ended(), "quiet");
  assert.equal(clock.pending, 0, "the drain's end timer was cancelled");
});

Deno.test("ConnectionDrain: a quiet window whose timer fired late (a stalled event loop) does not end it", async () => {
  const clock = new Clock();
  const drain = drainOn(clock, 5000, 250);
  const ended = started(drain);
  clock.stall(600); // the first window's timer runs 350 ms late; requests may be waiting unread
  await settle();
  assert.equal(ended(), undefined, "ended on a window the server could not watch");
  drain.arrived(); // they were
  clock.to(clock.t + 250);
  await settle();
  assert.equal(ended(), undefined);
  clock.to(clock.t + 250); // a window on time and without a request
  await settle();
  assert.equal(ended(), "quiet");
});

Deno.test("ConnectionDrain: a server without traffic waits one quiet time; 0 ms skips the drain", async () => {
  const clock = new Clock();
  const idle = started(drainOn(clock, 1000));
  clock.to(249);
  await settle();
  assert.equal(idle(), undefined);
  clock.to(250); // DRAIN_QUIET_MS
  await settle();
  assert.equal(idle(), "quiet");

  const off = drainOn(clock, 0);
  assert.equal(await off.start(), "skipped");
  assert.equal(off.draining, true, "the stopping server's answers still close their connection");
  // A drain shorter than the quiet time ends at its own time.
  const short = started(drainOn(clock, 100));
  clock.to(clock.t + 100);
  await settle();
  assert.ok(short() !== undefined, "a 100 ms drain ended after 100 ms");
  assert.equal(clock.pending, 0);
});

Deno.test("closingConnection copies a response whose headers cannot change", async () => {
  const fetched = Response.redirect("http://x/elsewhere", 307); // immutable headers
  const closed = closingConnection(fetched);
  assert.notEqual(closed, fetched);
  assert.equal(closed.status, 307);
  assert.equal(closed.headers.get("location"), "http://x/elsewhere");
  assert.equal(closed.headers.get("connection"), "close");
  const plain = new Response("body");
  assert.equal(closingConnection(plain), plain, "a mutable response is changed in place");
  assert.equal(await plain.text(), "body");
});
