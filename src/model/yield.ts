/**
 * Cooperative yielding for the library's long CPU loops (evaluate,
 * compileModel's calibration, the bit search). They are `async`, but a loop
 * of synchronous forwards never returns to the event loop, so a Node server
 * calling them would stop answering requests, timers and sockets for the
 * whole run. Yielding once per slice of work, not per sentence, keeps the
 * cost unmeasurable (one macrotask turn every ~25 ms).
 */

/** Work between two yields, in milliseconds: short next to a request timeout, long next to a turn of the loop (~µs). */
export const YIELD_SLICE_MS = 25;

/**
 * A function to await between units of work (sentences, batches): it yields
 * one macrotask turn (`setImmediate`, so pending I/O and timers run) once
 * `sliceMs` have passed since the last yield, and otherwise returns at once.
 */
export function yielder(sliceMs = YIELD_SLICE_MS): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await nextTurn();
    last = performance.now();
  };
}

/** One macrotask turn, between phases that each take a large slice (loading a model, compiling a program). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((r) => setImmediate(r));
}
