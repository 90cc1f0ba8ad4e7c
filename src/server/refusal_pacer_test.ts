import assert from "node:assert/strict";
import { RefusalPacer } from "./refusal_pacer.ts";
import type { SetTimer } from "./set_timer.ts";

/** A manual clock whose timers fire only in `advance`. */
function fakeClock() {
  let t = 0;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  const setTimer: SetTimer = (fn, ms) => {
    const timer = { at: t + Math.max(0, ms), fn, live: true };
    timers.push(timer);
    return () => (timer.live = false);
  };
  return {
    now: () => t,
    setTimer,
    pending: () => timers.filter((x) => x.live).length,
    async advance(ms: number) {
      const end = t + ms;
      for (;;) {
        await Promise.resolve();
        timers = timers.filter((x) => x.live);
        const next = timers.reduce<typeof timers[0] | undefined>(
          (a, x) => (x.at <= end && (!a || x.at < a.at) ? x : a),
          undefined,
        );
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

Deno.test("a refusal is held for the delay, in arrival order, with one timer", async () => {
  const clock = fakeClock();
  const pacer = new RefusalPacer({ delayMs: 20, now: clock.now, setTimer: clock.setTimer });
  const a = tracked(pacer.hold(Infinity));
  await clock.advance(5);
  const b = tracked(pacer.hold(Infinity));
  assert.equal(pacer.held, 2);
  assert.equal(clock.pending(), 1);
  await clock.advance(14); // t = 19
  assert.deepEqual([a.done, b.done], [false, false]);
  await clock.advance(1); // t = 20: a is due
  assert.deepEqual([a.done, b.done], [true, false]);
  assert.equal(pacer.held, 1);
  await clock.advance(5); // t = 25: b is due
  assert.deepEqual([a.done, b.done], [true, true]);
  assert.equal(pacer.held, 0);
  assert.equal(clock.pending(), 0);
});

Deno.test("no hold with delay 0, when the deadline comes first, or past maxHeld", async () => {
  const clock = fakeClock();
  const none = new RefusalPacer({ delayMs: 0, now: clock.now, setTimer: clock.setTimer });
  const zero = tracked(none.hold(Infinity));
  const pacer = new RefusalPacer({ delayMs: 20, maxHeld: 1, now: clock.now, setTimer: clock.setTimer });
  const soon = tracked(pacer.hold(10)); // deadline at 10 < due at 20
  const first = tracked(pacer.hold(Infinity));
  const over = tracked(pacer.hold(Infinity)); // one is held already
  await clock.advance(0);
  assert.deepEqual([zero.done, soon.done, first.done, over.done], [true, true, false, true]);
  await clock.advance(20);
  assert.equal(first.done, true);
});

Deno.test("releaseAll answers every held refusal at once", async () => {
  const clock = fakeClock();
  const pacer = new RefusalPacer({ delayMs: 1000, now: clock.now, setTimer: clock.setTimer });
  const held = [tracked(pacer.hold(Infinity)), tracked(pacer.hold(Infinity))];
  pacer.releaseAll();
  await clock.advance(0);
  assert.deepEqual(held.map((h) => h.done), [true, true]);
  assert.equal(clock.pending(), 0);
  assert.throws(() => new RefusalPacer({ delayMs: -1 }), RangeError);
});
