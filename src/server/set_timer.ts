/**
 * The batcher's timer seam: {@link SetTimer} starts a timer and returns its cancel function, so tests inject a
 * fake clock; {@link defaultSetTimer} is `setTimeout` without its 2³¹−1 ms limit.
 *
 * @module
 */

/** Starts a timer; returns a function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** setTimeout's longest delay; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `setTimeout`/`clearTimeout`; delays past setTimeout's longest are waited out in steps. */
export const defaultSetTimer: SetTimer = (fn, ms) => {
  let id: ReturnType<typeof setTimeout>;
  const arm = (left: number) => {
    id = left > MAX_TIMER_MS
      ? setTimeout(() => arm(left - MAX_TIMER_MS), MAX_TIMER_MS)
      : setTimeout(fn, Math.max(0, left));
  };
  arm(ms);
  return () => clearTimeout(id);
};
