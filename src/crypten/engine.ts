/**
 * CrypTen's MPC algorithms (Knott et al., NeurIPS'21) on this project's
 * runtime, written from CrypTen's published design: 2 computing parties with
 * additive sharing over Z_2^64 and a trusted third party (TTP) that deals
 * Beaver triples. Here P1 and P2 are CrypTen's ranks 0 and 1 and P0 is its
 * TTP provider (crypten/mpc/provider/ttp_provider.py); the client C inputs
 * and receives values.
 *
 * One program text runs twice: in 'offline' mode (P0, P1, P2) every
 * primitive deals its correlated randomness through `Offline.deal` (the TTP's
 * material: P1's part from the P0–P1 seed, P2's part sent by P0, as CrypTen's
 * TTP draws one party's part from a shared generator and sends the other);
 * in 'online' mode (P1, P2) every primitive takes that material and opens
 * its masked values in ONE round (CrypTen's `reveal` = all_reduce, i.e. each
 * party sends its share to the other). Shapes never depend on data, so the
 * two runs make the same calls in the same order.
 *
 * Primitives (B = 8 bytes per element: CrypTen ships int64 tensors for
 * arithmetic AND binary shares; costs in cost.ts, checked by tests):
 *   mul     Beaver product (beaver.py `__beaver_protocol`): open ε = x − a and
 *           δ = y − b stacked (2n words each way), z = c + ε·b + a·δ + ε·δ.
 *   square  (beaver.py `square`): open ε = x − r (n words), z = r² + 2εr + ε².
 *   matmul  Beaver matrix triple: open ε (m×k) and δ (k×n), z = c + ε·B + A·δ + ε·δ.
 *   and     XOR Beaver triple on 64-bit words (beaver.py `AND`).
 *   b2aBit  (beaver.py `B2A_single_bit`): open z = x_B ⊕ r_B, x_A = r_A(1 − 2z) + z.
 *   a2b     (converters.py `_A2B`): each party's share becomes a binary sharing
 *           and the two are added by a carry-lookahead adder (circuit.py
 *           `add`: S = x∧y, P = x⊕y, log2(64) = 6 prefix levels, each one AND
 *           round on the stacked (S, P), 2n words).
 *   ltz     (mpc.py `_ltz`): a2b, take bit 63, b2aBit: 8 rounds.
 * Fixed point: after a product of two fixed-point values CrypTen divides by
 * 2^16 (arithmetic.py `_arithmetic_function` → `div_(scale)`). With world
 * size 2, `div_` by a public integer is local: each party floor-divides its
 * own share (`self.share //= y`), the SecureML truncation. The result is off
 * by at most 1 ulp, and wrong by ±2^48 only when the two shares' signed sum
 * wraps, probability ≈ |x|/2^63 (CrypTen's 3+-party path uses `wraps()`
 * instead; it does not apply to 2 parties).
 */
import { randomBytes } from 'node:crypto';
import { ProtocolError, ShapeError } from '../errors.js';
import type { Offline, Dealing } from '../mpc/dealer.js';
import type { Party } from '../mpc/party.js';
import { concatArrays } from '../kernels/types.js';
import * as R from '../mpc/ring.js';
import { Round } from '../mpc/round.js';
import { item } from '../mpc/protocols/common.js';
import { decode, encode, encodeScalar, floorDivShares, FRAC_BITS, SCALE } from './fixed.js';

export type Mode = 'offline' | 'online';

/** An arithmetic (additive, Z_2^64) or binary (XOR, 64-bit words) shared tensor. Offline, `s` is empty. */
export interface Shared {
  readonly shape: readonly number[];
  readonly s: BigUint64Array;
}

const EMPTY = new BigUint64Array(0);

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const K = (): ReturnType<typeof R.kernels> => R.kernels();
const add = (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array => K().binary('add', 64, a, b, out);
const sub = (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array => K().binary('sub', 64, a, b, out);
const mulE = (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array => K().binary('mul', 64, a, b, out);
const xor = (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array => K().binary('xor', 64, a, b, out);
const and = (a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array => K().binary('and', 64, a, b, out);
const sar = (a: BigUint64Array, k: number): BigUint64Array => (k === 0 ? a.slice() : K().shift('sar', 64, a, k));
const shl = (a: BigUint64Array, k: number): BigUint64Array => K().shift('shl', 64, a, k);
const shr = (a: BigUint64Array, k: number): BigUint64Array => K().shift('shr', 64, a, k);
const scal = (a: BigUint64Array, c: bigint): BigUint64Array => K().mulScalar(64, a, c);

const cat = (parts: readonly BigUint64Array[]): BigUint64Array => concatArrays(parts, BigUint64Array);

/** XOR shares of `value` for P1 (drawn from the P0–P1 stream) and P2 (sent), through the additive `share` of the dealer. */
async function dealXor(d: Dealing, name: string, n: number, value?: BigUint64Array): Promise<BigUint64Array> {
  if (d.role === 'P0') {
    // P1's part s1 is what `share` will draw for P1; sending (v ⊕ s1) + s1 − s1 = v ⊕ s1 to P2.
    const s1 = (await d.party.stream('P1', `${d.tag}/${name}`).ring(64, n)) as BigUint64Array;
    await d.share(name, 64, n, add(xor(value!, s1), s1));
    return value!;
  }
  return (await d.share(name, 64, n)) as BigUint64Array;
}

/** A fresh XOR-shared random word tensor: P0 gets the value, Pi its part (from seeds, no bytes). */
async function dealXorMask(d: Dealing, name: string, n: number): Promise<BigUint64Array> {
  const p = await d.maskParts(name, 64, n);
  if (d.role === 'P0') return xor(p.r1 as BigUint64Array, p.r2 as BigUint64Array);
  return p.own as BigUint64Array;
}

/** The two rings Beaver products run in (see CryptenEngine.beaver). */
interface BeaverRing {
  proto: string;
  xor: boolean;
  mask(d: Dealing, name: string, n: number): Promise<BigUint64Array>;
  dealC(d: Dealing, n: number, c?: BigUint64Array): Promise<unknown>;
  minus(a: BigUint64Array, b: BigUint64Array): BigUint64Array;
  plus(a: BigUint64Array, b: BigUint64Array, out?: BigUint64Array): BigUint64Array;
  times(a: BigUint64Array, b: BigUint64Array): BigUint64Array;
}

const ARITH: BeaverRing = {
  proto: 'cmul',
  xor: false,
  mask: async (d, name, n) => (await d.mask(name, 64, n)) as BigUint64Array,
  dealC: (d, n, c) => d.share('c', 64, n, c),
  minus: sub,
  plus: add,
  times: mulE,
};

const XOR_RING: BeaverRing = {
  proto: 'cand',
  xor: true,
  mask: dealXorMask,
  dealC: (d, n, c) => dealXor(d, 'c', n, c),
  minus: xor,
  plus: xor,
  times: and,
};

export class CryptenEngine {
  /** Accounting label for the next primitives (layer type). */
  label = '';
  /** Wall time (ms) per label of the primitives run through this engine. */
  readonly times: Record<string, number> = {};

  constructor(
    readonly party: Party,
    readonly mode: Mode,
    readonly off?: Offline,
  ) {
    if (mode === 'offline' && !off) throw new ProtocolError('CryptenEngine: offline mode needs an Offline');
    if (mode === 'online' && party.id !== 'P1' && party.id !== 'P2') throw new ProtocolError(`CryptenEngine: online mode runs on P1/P2, not ${party.id}`);
  }

  get online(): boolean {
    return this.mode === 'online';
  }
  get isP1(): boolean {
    return this.party.id === 'P1';
  }

  private v(shape: readonly number[], s?: BigUint64Array): Shared {
    return { shape: [...shape], s: this.online ? s! : EMPTY };
  }

  private depth = 0;

  /** Charge the wall time of an outermost primitive call to the current label. */
  private async timed<T>(f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    this.depth++;
    try {
      return await f();
    } finally {
      if (--this.depth === 0) this.times[this.label] = (this.times[this.label] ?? 0) + performance.now() - t0;
    }
  }

  /** One round: each party sends `share`, gets back own + peer's. */
  private async open(proto: string, share: BigUint64Array): Promise<BigUint64Array> {
    const r = new Round(this.party, this.label);
    const slot = r.reserve(64, share.length, proto);
    r.close();
    return (await slot.open(share)) as BigUint64Array;
  }

  /** As `open`, but XOR-opening: returns own ⊕ peer's. */
  private async openXor(proto: string, share: BigUint64Array): Promise<BigUint64Array> {
    const own = share.slice();
    const sum = await this.open(proto, share);
    return xor(own, sub(sum, own, sum));
  }

  // ---- local (no communication) ----------------------------------------------------------

  add(x: Shared, y: Shared): Shared {
    if (size(x.shape) !== size(y.shape)) throw new ShapeError(`crypten add: [${x.shape}] vs [${y.shape}]`);
    return this.v(x.shape, this.online ? add(x.s, y.s) : undefined);
  }
  sub(x: Shared, y: Shared): Shared {
    if (size(x.shape) !== size(y.shape)) throw new ShapeError(`crypten sub: [${x.shape}] vs [${y.shape}]`);
    return this.v(x.shape, this.online ? sub(x.s, y.s) : undefined);
  }
  /** x + c for a public float c (encoded; added by P1 = CrypTen rank 0). */
  addPublic(x: Shared, c: number): Shared {
    if (!this.online) return x;
    if (!this.isP1) return this.v(x.shape, x.s.slice());
    return this.v(x.shape, add(x.s, new BigUint64Array(x.s.length).fill(encodeScalar(c))));
  }
  /** c − x for a public float c. */
  rsubPublic(c: number, x: Shared): Shared {
    return this.addPublic(this.mulInt(x, -1), c);
  }
  /** c − x for a public integer c on a scale-1 (integer) value. */
  rsubInt(c: number, x: Shared): Shared {
    if (!this.online) return x;
    const neg = scal(x.s, -1n);
    return this.v(x.shape, this.isP1 ? add(neg, new BigUint64Array(neg.length).fill(BigInt.asUintN(64, BigInt(c)))) : neg);
  }

  /** Offline: send the corrections dealt since the last flush (charged to the current label). Online: nothing. */
  async flush(): Promise<void> {
    if (this.off) await this.off.flush(this.label);
  }

  /** x · c for a public integer c (no truncation: CrypTen `mul` with an int). */
  mulInt(x: Shared, c: number): Shared {
    return this.v(x.shape, this.online ? scal(x.s, BigInt(c)) : undefined);
  }
  /** x / d for a public positive integer d: local floor division of each share (CrypTen `div_`, world size 2). */
  divInt(x: Shared, d: number): Shared {
    return this.v(x.shape, this.online ? floorDivShares(x.s, d, sar) : undefined);
  }
  /** x · c for a public float c: encode c, multiply the shares, truncate by 2^16 (CrypTen `mul` with a float). */
  mulPublic(x: Shared, c: number): Shared {
    if (Number.isInteger(c)) return this.mulInt(x, c);
    return this.v(x.shape, this.online ? sar(scal(x.s, encodeScalar(c)), FRAC_BITS) : undefined);
  }
  /** x / c for a public float c (CrypTen `div`: by an integer locally, else times 1/c). */
  divPublic(x: Shared, c: number): Shared {
    return Number.isInteger(c) && c > 0 ? this.divInt(x, c) : this.mulPublic(x, 1 / c);
  }
  /** Drop the fixed-point scale of a product (local, SecureML-style). */
  truncate(x: Shared): Shared {
    return this.v(x.shape, this.online ? sar(x.s, FRAC_BITS) : undefined);
  }

  // ---- interactive primitives -----------------------------------------------------------------

  /**
   * Beaver products of several pairs with ONE opening, in the arithmetic
   * ring (×, +) or over XOR-shared words (AND, ⊕). Offline: deal a, b and
   * c = a·b per pair (returns []). Online (beaver.py): open ε = x − a and
   * δ = y − b for all pairs at once; z = c + ε·b + a·δ (+ ε·δ at P1).
   */
  private async beaver(pairs: readonly (readonly [Shared, Shared])[], r: BeaverRing): Promise<BigUint64Array[]> {
    if (!this.online) {
      await Promise.all(
        pairs.map(([x]) =>
          this.off!.deal(r.proto, async (d) => {
            const n = size(x.shape);
            const a = await r.mask(d, 'a', n);
            const b = await r.mask(d, 'b', n);
            await r.dealC(d, n, d.role === 'P0' ? r.times(a, b) : undefined);
          }),
        ),
      );
      return [];
    }
    const mats = pairs.map(([x]) => {
      const n = size(x.shape);
      const { tag, items } = this.party.take(r.proto);
      return { n, a: item(items, tag, 'a', 64, n) as BigUint64Array, b: item(items, tag, 'b', 64, n) as BigUint64Array, c: item(items, tag, 'c', 64, n) as BigUint64Array };
    });
    const parts: BigUint64Array[] = [];
    pairs.forEach(([x, y], i) => parts.push(r.minus(x.s, mats[i]!.a), r.minus(y.s, mats[i]!.b)));
    const opened = r.xor ? await this.openXor(r.proto, cat(parts)) : await this.open(r.proto, cat(parts));
    let off = 0;
    return mats.map(({ n, a, b, c }) => {
      const eps = opened.subarray(off, off + n);
      const del = opened.subarray(off + n, off + 2 * n);
      off += 2 * n;
      const z = r.plus(c, r.times(eps, b));
      r.plus(z, r.times(a, del), z);
      if (this.isP1) r.plus(z, r.times(eps, del), z);
      return z;
    });
  }

  /**
   * Beaver products of several (x, y) pairs of equal sizes in ONE round.
   * `trunc` (default true): both operands are fixed point, divide by 2^16.
   */
  async mulMany(pairs: readonly (readonly [Shared, Shared])[], trunc = true): Promise<Shared[]> {
    for (const [x, y] of pairs) if (size(x.shape) !== size(y.shape)) throw new ShapeError(`crypten mul: [${x.shape}] vs [${y.shape}]`);
    if (!this.online) {
      await this.beaver(pairs, ARITH);
      return pairs.map(([x]) => this.v(x.shape));
    }
    return this.timed(async () => (await this.beaver(pairs, ARITH)).map((z, i) => this.v(pairs[i]![0].shape, trunc ? sar(z, FRAC_BITS) : z)));
  }

  async mul(x: Shared, y: Shared, trunc = true): Promise<Shared> {
    return (await this.mulMany([[x, y]], trunc))[0]!;
  }

  /** x² with a square pair (r, r²) from the TTP: opens n words (beaver.py `square`), then truncates. */
  async square(x: Shared): Promise<Shared> {
    const n = size(x.shape);
    if (!this.online) {
      await this.off!.deal('csq', async (d) => {
        const r = (await d.mask('r', 64, n)) as BigUint64Array;
        await d.share('r2', 64, n, d.role === 'P0' ? mulE(r, r) : undefined);
      });
      return this.v(x.shape);
    }
    return this.timed(async () => {
      const { tag, items } = this.party.take('csq');
      const r = item(items, tag, 'r', 64, n) as BigUint64Array;
      const r2 = item(items, tag, 'r2', 64, n) as BigUint64Array;
      const eps = await this.open('csq', sub(x.s, r));
      const z = add(r2, scal(mulE(r, eps), 2n));
      if (this.isP1) add(z, mulE(eps, eps), z);
      return this.v(x.shape, sar(z, FRAC_BITS));
    });
  }

  /**
   * Batched matrix product: `batch` products X_i (m×k) · Y_i (k×n), X and Y
   * stored batch-major; one Beaver matrix triple per batch, all openings in
   * one round (torch.matmul on 3-D tensors is one CrypTen call). Truncates.
   */
  async matmul(x: Shared, y: Shared, batch: number, m: number, k: number, n: number): Promise<Shared> {
    if (size(x.shape) !== batch * m * k || size(y.shape) !== batch * k * n) throw new ShapeError(`crypten matmul: [${x.shape}] · [${y.shape}] is not ${batch}×(${m}×${k} · ${k}×${n})`);
    const shape = batch === 1 ? [m, n] : [batch, m, n];
    if (!this.online) {
      await this.off!.deal('cmm', async (d) => {
        const A = (await d.mask('a', 64, batch * m * k)) as BigUint64Array;
        const B = (await d.mask('b', 64, batch * k * n)) as BigUint64Array;
        let C: BigUint64Array | undefined;
        if (d.role === 'P0') {
          C = new BigUint64Array(batch * m * n);
          for (let i = 0; i < batch; i++) {
            C.set((await R.matmul(64, A.subarray(i * m * k, (i + 1) * m * k), B.subarray(i * k * n, (i + 1) * k * n), m, k, n)) as BigUint64Array, i * m * n);
          }
        }
        await d.share('c', 64, batch * m * n, C);
      });
      return this.v(shape);
    }
    return this.timed(async () => {
      const { tag, items } = this.party.take('cmm');
      const A = item(items, tag, 'a', 64, batch * m * k) as BigUint64Array;
      const B = item(items, tag, 'b', 64, batch * k * n) as BigUint64Array;
      const C = item(items, tag, 'c', 64, batch * m * n) as BigUint64Array;
      const opened = await this.open('cmm', cat([sub(x.s, A), sub(y.s, B)]));
      const E = opened.subarray(0, batch * m * k);
      const D = opened.subarray(batch * m * k);
      const z = C;
      for (let i = 0; i < batch; i++) {
        const e = E.subarray(i * m * k, (i + 1) * m * k);
        const dd = D.subarray(i * k * n, (i + 1) * k * n);
        const zi = z.subarray(i * m * n, (i + 1) * m * n);
        const terms = await Promise.all([
          R.matmul(64, e, B.subarray(i * k * n, (i + 1) * k * n), m, k, n),
          R.matmul(64, A.subarray(i * m * k, (i + 1) * m * k), dd, m, k, n),
          this.isP1 ? R.matmul(64, e, dd, m, k, n) : Promise.resolve(undefined),
        ]);
        add(zi, terms[0] as BigUint64Array, zi);
        add(zi, terms[1] as BigUint64Array, zi);
        if (terms[2]) add(zi, terms[2] as BigUint64Array, zi);
      }
      return this.v(shape, sar(z, FRAC_BITS));
    });
  }

  /** Bitwise AND of XOR-shared word tensors, several pairs in ONE round (beaver.py `AND`). */
  async andMany(pairs: readonly (readonly [Shared, Shared])[]): Promise<Shared[]> {
    const zs = await this.beaver(pairs, XOR_RING);
    return pairs.map(([x], i) => this.v(x.shape, zs[i]));
  }


  /** Single-bit XOR sharing (bit 0 of each word) → arithmetic 0/1 with scale 1 (beaver.py `B2A_single_bit`). */
  async b2aBit(x: Shared): Promise<Shared> {
    const n = size(x.shape);
    if (!this.online) {
      await this.off!.deal('cb2a', async (d) => {
        let bits: BigUint64Array | undefined;
        if (d.role === 'P0') {
          const rb = randomBytes(n);
          bits = new BigUint64Array(n);
          for (let i = 0; i < n; i++) bits[i] = BigInt(rb[i]! & 1);
        }
        await dealXor(d, 'rb', n, bits);
        await d.share('ra', 64, n, bits);
      });
      return this.v(x.shape);
    }
    const { tag, items } = this.party.take('cb2a');
    const rb = item(items, tag, 'rb', 64, n) as BigUint64Array;
    const ra = item(items, tag, 'ra', 64, n) as BigUint64Array;
    const z = await this.openXor('cb2a', xor(and(x.s, new BigUint64Array(n).fill(1n)), rb));
    and(z, new BigUint64Array(n).fill(1n), z);
    // x_A = r_A · (1 − 2z) + z  (z public; "+ z" at rank 0 = P1)
    const y = mulE(ra, sub(new BigUint64Array(n).fill(1n), scal(z, 2n)));
    if (this.isP1) add(y, z, y);
    return this.v(x.shape, y);
  }

  /**
   * Arithmetic → binary (converters.py `_A2B`): P1's share and P2's share
   * each become an XOR sharing (the owner holds it, the other holds 0), then
   * the adder (circuit.py `add`): S = x∧y, P = x⊕y, 6 Kogge–Stone prefix
   * levels G ← G ⊕ (P ∧ (G ≪ d)), P ← P ∧ (P ≪ d) for d = 1, 2, …, 32 (one
   * round each, the two ANDs stacked), sum = x⊕y ⊕ (G ≪ 1). 7 rounds.
   */
  async a2b(x: Shared): Promise<Shared> {
    const n = size(x.shape);
    const zero = this.online ? new BigUint64Array(n) : EMPTY;
    const mine = this.online ? x.s : EMPTY;
    const xa = this.v(x.shape, this.isP1 ? mine : zero);
    const xb = this.v(x.shape, this.isP1 ? zero : mine);
    const [S] = await this.andMany([[xa, xb]]);
    const P0 = this.v(x.shape, this.online ? xor(xa.s, xb.s) : undefined);
    let G = S!;
    let P = P0;
    for (let d = 1; d < 64; d *= 2) {
      const gs = this.v(x.shape, this.online ? shl(G.s, d) : undefined);
      const ps = this.v(x.shape, this.online ? shl(P.s, d) : undefined);
      const [pg, pp] = await this.andMany([[P, gs], [P, ps]]);
      G = this.v(x.shape, this.online ? xor(G.s, pg!.s) : undefined);
      P = pp!;
    }
    return this.v(x.shape, this.online ? xor(P0.s, shl(G.s, 1)) : undefined);
  }

  /** [x < 0] as arithmetic 0/1 (scale 1), or 0/2^16 with `scaled` (mpc.py `_ltz`). 8 rounds. */
  async ltz(x: Shared, scaled = true): Promise<Shared> {
    return this.timed(async () => {
      const b = await this.a2b(x);
      const bit = await this.b2aBit(this.v(x.shape, this.online ? shr(b.s, 63) : undefined));
      return scaled ? this.mulInt(bit, SCALE) : bit;
    });
  }

  /** A TTP-shared uniform value in [0, 1) as fixed point (CrypTen `rand`: precision_bits random bits). No online bytes. */
  async rand(shape: readonly number[]): Promise<Shared> {
    const n = size(shape);
    if (!this.online) {
      await this.off!.deal('crand', async (d) => {
        let u: BigUint64Array | undefined;
        if (d.role === 'P0') {
          const rb = randomBytes(2 * n);
          u = new BigUint64Array(n);
          for (let i = 0; i < n; i++) u[i] = BigInt(rb[2 * i]! | (rb[2 * i + 1]! << 8));
        }
        await d.share('u', 64, n, u);
      });
      return this.v(shape);
    }
    const { tag, items } = this.party.take('crand');
    return this.v(shape, item(items, tag, 'u', 64, n) as BigUint64Array);
  }

  /**
   * A dealer-owned constant (weights, biases, LayerNorm parameters) shared
   * once per model: P1's share from the P0–P1 seed, P2's sent by P0 at the
   * next flush (label 'weights'). P0 passes float values; others pass the shape.
   */
  async shareConstant(shape: readonly number[], values?: ArrayLike<number>): Promise<Shared> {
    const n = size(shape);
    const off = this.off;
    if (!off) throw new ProtocolError('shareConstant runs in the offline phase');
    const enc = this.party.id === 'P0' ? encode(values!) : undefined;
    if (enc && enc.length !== n) throw new ShapeError(`shareConstant: ${enc.length} values for shape [${shape}]`);
    const s = await off.deal('cconst', (d) => d.share('w', 64, n, enc), { queue: false });
    return { shape: [...shape], s: s as BigUint64Array };
  }

  /** Client → additive sharing of X (float, encoded by the client): P1's share from the C–P1 seed, P2's sent. */
  async input(shape: readonly number[]): Promise<Shared> {
    const n = size(shape);
    if (!this.online) return this.v(shape);
    const tag = `c#${this.party.next('client')}:cinput`;
    const at = { phase: 'online' as const, label: this.label };
    if (this.isP1) return this.v(shape, (await this.party.stream('C', tag).ring(64, n)) as BigUint64Array);
    const b = await this.party.recv('C', tag, at);
    if (b.byteLength !== 8 * n) throw this.party.abort(new ShapeError(`P2: client input '${tag}' is ${b.byteLength} bytes, expected ${8 * n}`));
    return this.v(shape, R.ringView(64, b, 0, n) as BigUint64Array);
  }

  /** Send this party's share of x to the client. */
  output(x: Shared): void {
    if (!this.online) return;
    const tag = `c#${this.party.next('client')}:coutput`;
    this.party.send('C', tag, [R.bytesOf(x.s)], { phase: 'online', label: this.label });
  }
}

/** Client side of `CryptenEngine.input`: encode X and share it with P1 and P2. */
export async function cryptenClientInput(c: Party, x: ArrayLike<number>, label = 'input'): Promise<void> {
  const tag = `c#${c.next('client')}:cinput`;
  const enc = encode(x);
  const x1 = (await c.stream('P1', tag).ring(64, enc.length)) as BigUint64Array;
  c.send('P2', tag, [R.bytesOf(sub(enc, x1, x1))], { phase: 'online', label });
}

/** Client side of `CryptenEngine.output`: n fixed-point values, decoded. */
export async function cryptenClientOutput(c: Party, n: number, label = 'output'): Promise<Float64Array> {
  const tag = `c#${c.next('client')}:coutput`;
  const [a, b] = await c.recvAll([{ peer: 'P1', tag }, { peer: 'P2', tag }], { phase: 'online', label });
  if (a!.byteLength !== 8 * n || b!.byteLength !== 8 * n) throw c.abort(new ShapeError(`C: output '${tag}' is ${a!.byteLength}/${b!.byteLength} bytes, expected ${8 * n}`));
  const va = R.ringView(64, a!, 0, n) as BigUint64Array;
  return decode(add(va, R.ringView(64, b!, 0, n) as BigUint64Array));
}
