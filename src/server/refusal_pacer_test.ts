import assert from "node:assert/strict";
import { RefusalPacer } from "./refusal_pacer.ts";
import type { SetTimer } from "./set_timer.ts";

/** A manual clock whose timers fire only in `advance`. */
function fakeClock() {
  let t = 0;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  let armed = 0;
  const setTimer: SetTimer = (fn, ms) => {
    armed++;
    const timer = { at: t + Math.max(0, ms), fn, live: true };
    timers.push(timer);
    return () => (timer.live = false);
  };
  return {
    now: () => t,
    setTimer,
    pending: () => timers.filter((x) => x.live).length,
    /** Timers started so far. */
    armed: () => armed,
    async advance(ms: number) {
      const end = t + ms;
      for (;;) {
        await Promise.resolve();
        timers = timers.filter((x) => x.live);
        let next: typeof timers[0] | undefined;
        for (const x of timers) if (x.at <= end && (!next || x.at < next.at)) next = x;
        if (!next) break;
        next.live = false;
        t = Math.max(t, next.at);
        next.fn();
      }
      t = end;
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

function tracked(p: Promise<void>) {
  const state = { done: false };
  p.then(() => (state.done = true));
  return state;
}

Deno.test("a refusal is held for its delay, in arrival order, with one timer for every delay", async () => {
  const clock = fakeClock();
  const pacer = new RefusalPacer({ now: clock.now, setTimer: clock.setTimer });
  const a = tracked(pacer.hold(20, Infinity));
  await clock.advance(5);
  const b = tracked(pacer.hold(20, Infinity));
  const long = tracked(pacer.hold(60, Infinity)); // due at 65
  assert.equal(pacer.held, 3);
  assert.equal(clock.pending(), 1);
  await clock.advance(14); // t = 19
  assert.deepEqual([a.done, b.done, long.done], [false, false, false]);
  await clock.advance(1); // t = 20: a is due
  assert.deepEqual([a.done, b.done, long.done], [true, false, false]);
  assert.equal(pacer.held, 2);
  await clock.advance(5); // t = 25: b is due
  assert.deepEqual([a.done, b.done, long.done], [true, true, false]);
  await clock.advance(39); // t = 64
  assert.equal(long.done, false);
  await clock.advance(1); // t = 65
  assert.equal(long.done, true);
  assert.equal(pacer.held, 0);
  assert.equal(clock.pending(), 0);
});

Deno.test("no hold with delay 0, when the deadline may come first, or past maxHeld", async () => {
  const clock = fakeClock();
  const pacer = new RefusalPacer({ maxHeld: 1, now: clock.now, setTimer: clock.setTimer });
  const zero = tracked(pacer.hold(0, Infinity));
  const soon = tracked(pacer.hold(20, 10)); // deadline at 10 < due at 20
  const withinTick = tracked(pacer.hold(20, 22)); // it could be released up to a tick (5 ms) late, at 25
  const first = tracked(pacer.hold(20, Infinity));
  const over = tracked(pacer.hold(20, Infinity)); // one is held already
  await clock.advance(0);
  assert.deepEqual([zero.done, soon.done, withinTick.done, first.done, over.done], [
    true,
    true,
    true,
    false,
    true,
  ]);
  await clock.advance(20);
  assert.equal(first.done, true);
});

Deno.test("refusals arriving every 0.5 ms share one timer firing per tick, none early, none a tick late", async () => {
  const clock = fakeClock();
  const pacer = new RefusalPacer({ now: clock.now, setTimer: clock.setTimer });
  const released: { due: number; at: number }[] = [];
  for (let i = 0; i < 100; i++) {
    const due = clock.now() + 20;
    pacer.hold(20, Infinity).then(() => released.push({ due, at: clock.now() }));
    await clock.advance(0.5);
  }
  // A longer delay joins the same timer; a shorter one than the armed time re-arms it.
  const long = tracked(pacer.hold(200, Infinity));
  await clock.advance(100);
  assert.equal(released.length, 100);
  for (const r of released) {
    assert.ok(r.at >= r.due && r.at <= r.due + 5, `released at ${r.at}, due ${r.due}`);
  }
  assert.ok(clock.armed() <= 12, `${clock.armed()} timers for 100 refusals over 50 ms`);
  assert.equal(long.done, false);
  await clock.advance(200);
  assert.equal(long.done, true);
  assert.equal(pacer.held, 0);
  assert.equal(clock.pending(), 0);
});

Deno.test("a shorter delay than the armed timer's re-arms it", async () => {
  const clock = fakeClock();
  const pacer = new RefusalPacer({ now: clock.now, setTimer: clock.setTimer });
  const long = tracked(pacer.hold(200, Infinity));
  const short = tracked(pacer.hold(20, Infinity));
  await clock.advance(20);
  assert.deepEqual([short.done, long.done], [true, false]);
  assert.equal(clock.pending(), 1);
  await clock.advance(180);
  assert.equal(long.done, true);
});

Deno.test("releaseAll answers every held refusal at once", async () => {
  const clock = fakeClock();
  const pacer = new RefusalPacer({ now: clock.now, setTimer: clock.setTimer });
  const held = [tracked(pacer.hold(1000, Infinity)), tracked(pacer.hold(2000, Infinity))];
  pacer.releaseAll();
  await clock.advance(0);
  assert.deepEqual(held.map((h) => h.done), [true, true]);
  assert.equal(pacer.held, 0);
  assert.equal(clock.pending(), 0);
});
