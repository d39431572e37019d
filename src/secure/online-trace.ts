/**
 * Optional trace of the online phase, for profilers. With
 * LUTMPC_ONLINE_TRACE=FILE in its environment (forked parties inherit it),
 * each compute party appends one line per online segment boundary:
 *
 *   <pid> <party> S|E <ns>
 *
 * S opens a window in which this party computes the online phase, E closes
 * it; the streamed forward has one window per flush segment, the in-memory
 * one a single window. <ns> is process.hrtime.bigint(), CLOCK_MONOTONIC on
 * Linux: the clock `perf record -k CLOCK_MONOTONIC` stamps its samples
 * with, so a whole-run profile can be cut down to the online phase
 * (src/bench/online-profile.ts, bench/profile-online.ts).
 *
 * Off (the default) it costs nothing; on, one synchronous append per
 * boundary (a BERT-base forward has ~60 per party).
 */
import { appendFileSync } from 'node:fs';

export type OnlineEdge = 'S' | 'E';
export type OnlineTrace = (edge: OnlineEdge) => void;

const OFF: OnlineTrace = () => {};

export function onlineTrace(party: string, env: NodeJS.ProcessEnv = process.env): OnlineTrace {
  const file = env['LUTMPC_ONLINE_TRACE'];
  if (!file) return OFF;
  return (edge) => appendFileSync(file, `${process.pid} ${party} ${edge} ${process.hrtime.bigint()}\n`);
}
