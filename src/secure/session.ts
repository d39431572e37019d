/**
 * Per-party sessions of the secure forward, independent of how parties are
 * connected (in one process or one process each):
 *   - `ServerSession` (P0, P1, P2): `setup()` shares the weights once per
 *     model; per sentence `offline(T)` deals everything that does not depend
 *     on the input (all three), then `online(T)` computes (P1, P2 only).
 *   - `clientInfer` (C): masks its ids as two small one-hots (embed.ts) and receives
 *     the int32 logits. Only the client learns them; float logits need
 *     program.logitScale, which the model owner keeps (the client gets it
 *     from the owner when it is allowed to, see infer.ts).
 */
import { ProtocolError, ShapeError } from '../errors.js';
import type { BertConfig } from '../model/config.js';
import type { IntProgram } from '../model/program.js';
import { Offline } from '../mpc/dealer.js';
import type { Party } from '../mpc/party.js';
import { clientOutput } from '../mpc/protocols/output.js';
import { prepareDealerModel, type DealerModel } from './dealer-model.js';
import { OfflineEngine, OnlineEngine, sendInput } from './engine.js';
import { factoredOneHot } from './embed.js';
import { Pacer } from './pacer.js';
import { onlineTrace } from './online-trace.js';
import { secureForward, shareWeights, type PublicShape, type SecureOptions, type WeightShares } from './forward.js';

export function publicShape(c: BertConfig): PublicShape {
  return { layers: c.numLayers, hidden: c.hidden, heads: c.heads, intermediate: c.intermediate, vocab: c.vocabSize, labels: c.numLabels, maxPositions: c.maxPositions };
}

export class ServerSession {
  private ws: WeightShares | undefined;
  /** Wall time (ms) per label of this party's offline dealings and online rounds, summed over sentences. */
  readonly times: { offline: Record<string, number>; online: Record<string, number> } = { offline: {}, online: {} };
  private readonly off: Offline;
  readonly model: DealerModel | undefined;

  /** P0 passes the compiled program; P1/P2 pass only the public shape. */
  constructor(
    readonly party: Party,
    readonly shape: PublicShape,
    program?: IntProgram,
    readonly opts: SecureOptions = {},
  ) {
    if ((party.id === 'P0') !== (program !== undefined)) throw new ProtocolError(`${party.id}: only P0 holds the program`);
    this.off = new Offline(party);
    this.model = program ? prepareDealerModel(program) : undefined;
  }

  /** Share the weights (once per model). */
  async setup(): Promise<void> {
    this.ws = await shareWeights(this.off, this.shape, this.model);
  }

  private weights(): WeightShares {
    if (!this.ws) throw new ProtocolError(`${this.party.id}: setup() must run before a forward`);
    return this.ws;
  }

  /** Offline phase of one sentence of T tokens. */
  async offline(T: number): Promise<void> {
    await secureForward(new OfflineEngine(this.off, undefined, this.times.offline), this.shape, T, this.weights(), this.model, this.opts);
  }

  /**
   * Offline and online alternating segment by segment (pacer.ts), for shapes
   * whose whole offline material does not fit in memory. Returns this
   * party's busy time per phase.
   */
  async streamed(T: number, tokens = T): Promise<{ offlineMs: number; onlineMs: number }> {
    const pacer = new Pacer(this.party);
    const ws = this.weights();
    const offline = secureForward(new OfflineEngine(this.off, pacer, this.times.offline), this.shape, T, ws, this.model, this.opts).then(() => pacer.offlineEnd());
    if (this.party.id === 'P0') await offline;
    else {
      const online = (async () => {
        await pacer.onlineBegin();
        await secureForward(new OnlineEngine(this.party, pacer, this.times.online), this.shape, T, ws, undefined, this.opts, tokens);
        pacer.onlineEnd();
      })();
      await Promise.all([offline, online]);
    }
    return { offlineMs: pacer.offlineMs, onlineMs: pacer.onlineMs };
  }

  /** Online phase (P1, P2) of T positions, the first `tokens` of them the client's (the rest padding, secureForward). */
  async online(T: number, tokens = T): Promise<void> {
    if (this.party.id === 'P0') throw new ProtocolError('P0 takes no part in the online phase');
    const trace = onlineTrace(this.party.id);
    trace('S');
    await secureForward(new OnlineEngine(this.party, undefined, this.times.online), this.shape, T, this.weights(), undefined, this.opts, tokens);
    trace('E');
  }
}

/** Messages the client sends each of P1 and P2 before it waits for the logits (the two masked one-hots). */
export const CLIENT_INPUT_MESSAGES = 2;

/** Token ids a model of this shape accepts: 1..maxPositions of them, each an integer id of its vocabulary. */
export function checkTokenIds(ids: readonly number[], shape: Pick<PublicShape, 'vocab' | 'maxPositions'>): void {
  if (ids.length < 1 || ids.length > shape.maxPositions) throw new ShapeError(`sequence length ${ids.length} is outside 1..${shape.maxPositions}`);
  const bad = ids.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= shape.vocab);
  if (bad >= 0) throw new ShapeError(`token ${bad}: id ${ids[bad]} is outside the model's vocabulary 0..${shape.vocab - 1}`);
}

/** The id the client pads with ([PAD] in BERT vocabularies; any id would do: padded rows are ignored). */
export const PAD_ID = 0;

/** `ids` padded with PAD_ID to `positions` (secureForward's padding: P0 deals for `positions`, not for the ids' count). */
export function padIds(ids: readonly number[], positions: number): number[] {
  if (!Number.isInteger(positions) || positions < ids.length) throw new ShapeError(`${ids.length} tokens do not fit ${positions} positions`);
  return [...ids, ...new Array<number>(positions - ids.length).fill(PAD_ID)];
}

/**
 * A public length to pad `tokens` to: the smallest of 16, 32, 64, … that
 * holds them, at most `maxPositions`. P0 then learns only which of these few
 * lengths a text needed (a deployment that wants P0 to learn nothing pads
 * every text to one length).
 */
export function bucketLength(tokens: number, maxPositions: number): number {
  let n = 16;
  while (n < tokens) n *= 2;
  return Math.min(n, maxPositions);
}

/**
 * Client: send the ids (two masked one-hots, embed.ts), receive the int32
 * logits. `positions`: pad the ids to this length first (the servers then
 * run with tokens = ids.length).
 */
export async function clientInfer(client: Party, shape: PublicShape, ids: readonly number[], positions = ids.length): Promise<Int32Array> {
  checkTokenIds(ids, shape);
  ids = padIds(ids, positions);
  checkTokenIds(ids, shape);
  client.label = 'embed';
  const [xa, xb] = factoredOneHot(ids, shape.vocab);
  // One after the other: P1 and P2 take the client's messages in order (the
  // second input's keys are already there, so this costs no extra wait).
  await sendInput(client, xa);
  await sendInput(client, xb);
  const out = await clientOutput(client, 32, shape.labels, 'cls');
  return new Int32Array(out.buffer, out.byteOffset, shape.labels);
}
