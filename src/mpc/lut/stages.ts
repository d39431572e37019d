/**
 * Multi-round protocols (chunked exact shift, requantization, max trees) take
 * a `RoundSeq` and ask it for one `Round` per communication step. Used alone
 * (`ownRounds`) every step is its own round; under `lockstep` the k-th steps
 * of several protocol calls (e.g. every requantization of a layer) share one
 * round, i.e. one message each way, so a layer costs as many rounds as its
 * longest protocol.
 *
 * Contract: a protocol reserves all its slots of a step synchronously right
 * after `next()` returns (before any await); the round closes in a microtask
 * once every participant reserved (or finished).
 */
import type { Party } from '../party.js';
import { Round } from '../round.js';

export interface RoundSeq {
  readonly party: Party;
  /** The round of this protocol's next communication step. */
  next(): Round;
}

/** Every step in a fresh round of its own (label defaults to the party's current label). */
export function ownRounds(party: Party, label: string = party.label): RoundSeq {
  return {
    party,
    next(): Round {
      const r = new Round(party, label);
      queueMicrotask(() => r.close());
      return r;
    },
  };
}

/**
 * Run protocol calls in lockstep: the k-th `next()` of every call returns the
 * same round. Results in call order.
 */
export async function lockstep<T extends readonly unknown[]>(
  party: Party,
  label: string,
  fns: { [K in keyof T]: (seq: RoundSeq) => Promise<T[K]> },
): Promise<{ -readonly [K in keyof T]: T[K] }> {
  const M = fns.length;
  const rounds: Round[] = [];
  const arrived: number[] = [];
  const closed: boolean[] = [];
  const finishedAt: number[] = []; // stage count of each finished member
  const check = (k: number): void => {
    if (closed[k] || !rounds[k]) return;
    const gone = finishedAt.filter((s) => s <= k).length;
    if ((arrived[k] ?? 0) + gone === M) {
      closed[k] = true;
      const r = rounds[k]!;
      queueMicrotask(() => r.close());
    }
  };
  const run = (fn: (seq: RoundSeq) => Promise<unknown>): Promise<unknown> => {
    let stage = 0;
    const seq: RoundSeq = {
      party,
      next(): Round {
        const k = stage++;
        if (!rounds[k]) rounds[k] = new Round(party, label);
        arrived[k] = (arrived[k] ?? 0) + 1;
        check(k);
        return rounds[k]!;
      },
    };
    const done = (): void => {
      finishedAt.push(stage);
      for (let k = stage; k < rounds.length; k++) check(k);
    };
    return fn(seq).then(
      (v) => {
        done();
        return v;
      },
      (e: unknown) => {
        done();
        throw e;
      },
    );
  };
  return (await Promise.all(fns.map(run))) as { -readonly [K in keyof T]: T[K] };
}
