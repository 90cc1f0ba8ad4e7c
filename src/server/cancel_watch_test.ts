import assert from "node:assert/strict";
import { CancelWatches, type Watched } from "./cancel_watch.ts";
import type { SetTimer } from "./set_timer.ts";

Deno.test("lazy signals of requests queued every 0.5 ms are fetched a few at a time, none before watchAfterMs", () => {
  let t = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const setTimer: SetTimer = (fn, ms) => {
    const timer = { at: t + ms, fn };
    timers.push(timer);
    return () => timers.splice(timers.indexOf(timer), 1);
  };
  const fetchedAt = new Map<Watched, number>();
  const watches = new CancelWatches<Watched>({
    now: () => t,
    setTimer,
    watchAfterMs: 10,
    abort: () => {},
    done: () => false,
  });
  const entries: Watched[] = [];
  let armed = 0;
  const advanceTo = (end: number) => {
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      if (timers.length === 0 || timers[0].at > end) break;
      const timer = timers.shift()!;
      t = timer.at;
      armed++;
      timer.fn();
    }
    t = end;
  };
  for (let i = 0; i < 40; i++) {
    advanceTo(i * 0.5);
    const entry: Watched = { enqueuedAt: t };
    entries.push(entry);
    watches.watchLater(entry, () => (fetchedAt.set(entry, t), new AbortController().signal));
  }
  advanceTo(100);
  assert.equal(fetchedAt.size, 40);
  for (const e of entries) {
    const at = fetchedAt.get(e)!;
    assert.ok(
      at >= e.enqueuedAt + 10 && at <= e.enqueuedAt + 15,
      `fetched at ${at}, queued at ${e.enqueuedAt}`,
    );
  }
  assert.ok(armed <= 6, `${armed} timer firings for 40 requests over 20 ms`);
  watches.close();
});
