/**
 * Stop requests of the service processes. The first one runs the graceful
 * stop; only a signal received again, at least REPEAT_MS after its first
 * arrival (the user pressing Ctrl-C a second time), forces an exit. Duplicates are common and
 * must not cut the grace period short: Ctrl-C reaches a whole process group,
 * so the roles of `serve --local` get it from the terminal and then the
 * launcher's own stop request, and a wrapper such as timeout(1) relays the
 * same signal to the group again at once.
 */

/** What asks a process to stop: a signal, the launcher's stop message, or the launcher gone. */
export type StopOrigin = NodeJS.Signals | 'launcher' | 'disconnect';

/** A repeat of the first signal sooner than this is the same delivery, not the user insisting. */
export const REPEAT_MS = 1000;

/** A handler for every stop request: `stop` on the first, `force` on a later repeat of a signal already seen. */
export function stopHandler(stop: (origin: StopOrigin) => void, force: (origin: StopOrigin) => void, now: () => number = Date.now): (origin: StopOrigin) => void {
  let stopping = false;
  // First arrival of each signal: the launcher's request may be handled before the terminal's Ctrl-C it follows.
  const seen = new Map<StopOrigin, number>();
  return (origin) => {
    const signal = origin !== 'launcher' && origin !== 'disconnect';
    const at = seen.get(origin);
    if (signal && at === undefined) seen.set(origin, now());
    if (!stopping) {
      stopping = true;
      return stop(origin);
    }
    if (signal && at !== undefined && now() - at >= REPEAT_MS) force(origin);
  };
}
