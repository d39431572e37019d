/**
 * The plain TypeScript backend. Complete (every kernel of the interface, every
 * ring width), written for obviousness rather than speed: it is the oracle
 * the native backends are tested against.
 */
import { createCipheriv } from 'node:crypto';
import {
  checkBytes,
  checkDim,
  checkIndexArray,
  checkRingArray,
  checkRingBits,
  checkShift,
  checkTableBits,
  tableRingBits,
} from './check.js';
import {
  allocRing,
  type BinaryOp,
  type GemmBits,
  type Kernels,
  type RingArray,
  type RingArrayOf,
  type RingBits,
  type ShiftOp,
  type UnaryOp,
} from './types.js';

const MASK64 = (1n << 64n) - 1n;

/** Reduce a small-ring number result to l bits (l ≤ 16). */
function maskSmall(l: RingBits): number {
  return l === 1 ? 1 : l === 8 ? 0xff : 0xffff;
}

function binaryNumber(op: BinaryOp, l: RingBits, a: ArrayLike<number>, b: ArrayLike<number>, out: Uint8Array | Uint16Array | Uint32Array): void {
  const n = out.length;
  if (l === 32) {
    const o = out as Uint32Array;
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) o[i] = (a[i]! + b[i]!) >>> 0; break;
      case 'sub': for (let i = 0; i < n; i++) o[i] = (a[i]! - b[i]!) >>> 0; break;
      case 'mul': for (let i = 0; i < n; i++) o[i] = Math.imul(a[i]!, b[i]!) >>> 0; break;
      case 'and': for (let i = 0; i < n; i++) o[i] = (a[i]! & b[i]!) >>> 0; break;
      case 'or': for (let i = 0; i < n; i++) o[i] = (a[i]! | b[i]!) >>> 0; break;
      case 'xor': for (let i = 0; i < n; i++) o[i] = (a[i]! ^ b[i]!) >>> 0; break;
    }
    return;
  }
  const m = maskSmall(l);
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = (a[i]! + b[i]!) & m; break;
    case 'sub': for (let i = 0; i < n; i++) out[i] = (a[i]! - b[i]!) & m; break;
    case 'mul': for (let i = 0; i < n; i++) out[i] = Math.imul(a[i]!, b[i]!) & m; break;
    case 'and': for (let i = 0; i < n; i++) out[i] = a[i]! & b[i]! & m; break;
    case 'or': for (let i = 0; i < n; i++) out[i] = (a[i]! | b[i]!) & m; break;
    case 'xor': for (let i = 0; i < n; i++) out[i] = (a[i]! ^ b[i]!) & m; break;
  }
}

function binaryBig(op: BinaryOp, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  const n = out.length;
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = (a[i]! + b[i]!) & MASK64; break;
    case 'sub': for (let i = 0; i < n; i++) out[i] = (a[i]! - b[i]!) & MASK64; break;
    case 'mul': for (let i = 0; i < n; i++) out[i] = (a[i]! * b[i]!) & MASK64; break;
    case 'and': for (let i = 0; i < n; i++) out[i] = a[i]! & b[i]!; break;
    case 'or': for (let i = 0; i < n; i++) out[i] = a[i]! | b[i]!; break;
    case 'xor': for (let i = 0; i < n; i++) out[i] = a[i]! ^ b[i]!; break;
  }
}

function prepareOut<L extends RingBits>(fn: string, l: L, n: number, out: RingArrayOf<L> | undefined): RingArrayOf<L> {
  if (out === undefined) return allocRing(l, n);
  checkRingArray(fn, 'out', l, out, n);
  return out;
}

/** For l = 1 the storage holds one bit per byte; inputs must already be 0/1 but we mask defensively. */
function binary<L extends RingBits>(op: BinaryOp, l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, out?: RingArrayOf<L>): RingArrayOf<L> {
  const fn = `binary(${String(op)})`;
  if (!['add', 'sub', 'mul', 'and', 'or', 'xor'].includes(op)) throw new RangeError(`${fn}: unknown op '${String(op)}'`);
  checkRingBits(fn, l);
  checkRingArray(fn, 'a', l, a);
  checkRingArray(fn, 'b', l, b, a.length);
  const o = prepareOut(fn, l, a.length, out);
  if (l === 64) binaryBig(op, a as BigUint64Array, b as BigUint64Array, o as BigUint64Array);
  else binaryNumber(op, l, a as ArrayLike<number>, b as ArrayLike<number>, o as Uint8Array | Uint16Array | Uint32Array);
  return o;
}

function unary<L extends RingBits>(op: UnaryOp, l: L, a: RingArrayOf<L>, out?: RingArrayOf<L>): RingArrayOf<L> {
  const fn = `unary(${String(op)})`;
  if (op !== 'neg' && op !== 'not') throw new RangeError(`${fn}: unknown op '${String(op)}'`);
  checkRingBits(fn, l);
  checkRingArray(fn, 'a', l, a);
  const o = prepareOut(fn, l, a.length, out);
  const n = a.length;
  if (l === 64) {
    const x = a as BigUint64Array, y = o as BigUint64Array;
    for (let i = 0; i < n; i++) y[i] = op === 'neg' ? (-x[i]!) & MASK64 : ~x[i]! & MASK64;
  } else if (l === 32) {
    const x = a as Uint32Array, y = o as Uint32Array;
    for (let i = 0; i < n; i++) y[i] = op === 'neg' ? (-x[i]!) >>> 0 : ~x[i]! >>> 0;
  } else {
    const m = maskSmall(l);
    const x = a as Uint8Array | Uint16Array, y = o as Uint8Array | Uint16Array;
    for (let i = 0; i < n; i++) y[i] = op === 'neg' ? -x[i]! & m : ~x[i]! & m;
  }
  return o;
}

function mulScalar<L extends RingBits>(l: L, a: RingArrayOf<L>, s: bigint, out?: RingArrayOf<L>): RingArrayOf<L> {
  const fn = 'mulScalar';
  checkRingBits(fn, l);
  checkRingArray(fn, 'a', l, a);
  if (typeof s !== 'bigint') throw new TypeError(`${fn}: argument 's' must be a bigint, got ${typeof s}`);
  const o = prepareOut(fn, l, a.length, out);
  const n = a.length;
  if (l === 64) {
    const x = a as BigUint64Array, y = o as BigUint64Array;
    const sv = BigInt.asUintN(64, s);
    for (let i = 0; i < n; i++) y[i] = (x[i]! * sv) & MASK64;
  } else {
    const sv = Number(BigInt.asUintN(32, s)) | 0;
    const x = a as Uint8Array | Uint16Array | Uint32Array, y = o as Uint8Array | Uint16Array | Uint32Array;
    if (l === 32) for (let i = 0; i < n; i++) y[i] = Math.imul(x[i]!, sv) >>> 0;
    else {
      const m = maskSmall(l);
      for (let i = 0; i < n; i++) y[i] = Math.imul(x[i]!, sv) & m;
    }
  }
  return o;
}

function shift<L extends RingBits>(op: ShiftOp, l: L, a: RingArrayOf<L>, k: number, out?: RingArrayOf<L>): RingArrayOf<L> {
  const fn = `shift(${String(op)})`;
  if (op !== 'shl' && op !== 'shr' && op !== 'sar') throw new RangeError(`${fn}: unknown op '${String(op)}'`);
  checkRingBits(fn, l);
  checkRingArray(fn, 'a', l, a);
  checkShift(fn, l, k);
  const o = prepareOut(fn, l, a.length, out);
  const n = a.length;
  if (l === 64) {
    const x = a as BigUint64Array, y = o as BigUint64Array;
    const kb = BigInt(k);
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (op === 'shl') y[i] = (v << kb) & MASK64;
      else if (op === 'shr') y[i] = v >> kb;
      else y[i] = BigInt.asUintN(64, BigInt.asIntN(64, v) >> kb);
    }
  } else {
    const x = a as Uint8Array | Uint16Array | Uint32Array, y = o as Uint8Array | Uint16Array | Uint32Array;
    const m = l === 32 ? 0xffffffff : maskSmall(l);
    const signShift = 32 - l; // moves bit l−1 to bit 31 for sign extension
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      let r: number;
      if (op === 'shl') r = v << k;
      else if (op === 'shr') r = v >>> k;
      else r = ((v << signShift) >> signShift) >> k;
      y[i] = l === 32 ? r >>> 0 : r & m;
    }
  }
  return o;
}

async function gemm<L extends GemmBits>(l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, m: number, k: number, n: number, out?: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = 'gemm';
  checkRingBits(fn, l, [32, 64]);
  checkDim(fn, 'm', m);
  checkDim(fn, 'k', k);
  checkDim(fn, 'n', n);
  checkRingArray(fn, 'a', l, a, m * k);
  checkRingArray(fn, 'b', l, b, k * n);
  const c = prepareOut(fn, l, m * n, out);
  rowProducts(l, a, b, c, m, k, n, (_i, t) => t * n);
  return c;
}

/**
 * C[i] = Σ_t A[i, t]·(row of B at bRow(i, t)) mod 2^l: the plain GEMM
 * (bRow = t·n) and the row-batched one (bRow = (i·k + t)·n).
 */
function rowProducts(l: GemmBits, a: RingArray, b: RingArray, c: RingArray, m: number, k: number, n: number, bRow: (i: number, t: number) => number): void {
  if (l === 32) {
    const A = a as Uint32Array, B = b as Uint32Array, C = c as Uint32Array;
    const acc = new Int32Array(n);
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let t = 0; t < k; t++) {
        const av = A[i * k + t]! | 0;
        if (av === 0) continue;
        const row = bRow(i, t);
        for (let j = 0; j < n; j++) acc[j] = (acc[j]! + Math.imul(av, B[row + j]!)) | 0;
      }
      for (let j = 0; j < n; j++) C[i * n + j] = acc[j]! >>> 0;
    }
  } else {
    const A = a as BigUint64Array, B = b as BigUint64Array, C = c as BigUint64Array;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0n;
        for (let t = 0; t < k; t++) s += A[i * k + t]! * B[bRow(i, t) + j]!;
        C[i * n + j] = s & MASK64;
      }
    }
  }
}

async function rowGemm<L extends GemmBits>(l: L, a: RingArrayOf<L>, b: RingArrayOf<L>, m: number, k: number, n: number, out?: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = 'rowGemm';
  checkRingBits(fn, l, [32, 64]);
  checkDim(fn, 'm', m);
  checkDim(fn, 'k', k);
  checkDim(fn, 'n', n);
  checkRingArray(fn, 'a', l, a, m * k);
  checkRingArray(fn, 'b', l, b, m * k * n);
  const c = prepareOut(fn, l, m * n, out);
  if (c.buffer === a.buffer || c.buffer === b.buffer) {
    const [c0, c1] = [c.byteOffset, c.byteOffset + c.byteLength];
    for (const x of [a, b]) if (x.buffer === c.buffer && c0 < x.byteOffset + x.byteLength && x.byteOffset < c1) throw new RangeError(`${fn}: out must not overlap a or b`);
  }
  rowProducts(l, a, b, c, m, k, n, (i, t) => (i * k + t) * n);
  return c;
}

async function gemmPm1<L extends GemmBits>(l: L, x: RingArrayOf<L>, bPacked: BigUint64Array, m: number, k: number, n: number, out?: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = 'gemmPm1';
  checkRingBits(fn, l, [32, 64]);
  checkDim(fn, 'm', m);
  checkDim(fn, 'k', k);
  checkDim(fn, 'n', n);
  checkRingArray(fn, 'x', l, x, m * k);
  const words = Math.ceil(k / 64);
  checkRingArray(fn, 'bPacked', 64, bPacked, n * words);
  const c = prepareOut(fn, l, m * n, out);
  for (let j = 0; j < n; j++) {
    // Unpack column j of B once.
    const col = new Uint8Array(k);
    for (let t = 0; t < k; t++) col[t] = Number((bPacked[j * words + (t >> 6)]! >> BigInt(t & 63)) & 1n);
    for (let i = 0; i < m; i++) {
      if (l === 32) {
        const X = x as Uint32Array;
        let s = 0;
        for (let t = 0; t < k; t++) s = col[t] ? (s - X[i * k + t]!) | 0 : (s + X[i * k + t]!) | 0;
        (c as Uint32Array)[i * n + j] = s >>> 0;
      } else {
        const X = x as BigUint64Array;
        let s = 0n;
        for (let t = 0; t < k; t++) s = col[t] ? s - X[i * k + t]! : s + X[i * k + t]!;
        (c as BigUint64Array)[i * n + j] = s & MASK64;
      }
    }
  }
  return c;
}

function indexAt(idx: RingArray, i: number, mask: number): number {
  const v = idx[i]!;
  return typeof v === 'bigint' ? Number(v & BigInt(mask)) : v & mask;
}

async function gatherShared<L extends RingBits>(table: RingArrayOf<L>, bits: number, idx: RingArray, out?: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = 'gatherShared';
  const l = tableRingBits(fn, 'table', table) as L;
  checkTableBits(fn, bits);
  checkIndexArray(fn, 'idx', idx);
  const size = 2 ** bits;
  if (table.length !== size) throw new RangeError(`${fn}: argument 'table' must have 2^bits = ${size} entries, got ${table.length}`);
  const o = prepareOut(fn, l, idx.length, out);
  const mask = size - 1;
  const T = table as unknown as { [i: number]: number | bigint }, O = o as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < idx.length; i++) O[i] = T[indexAt(idx, i, mask)]!;
  return o;
}

async function gatherPerElement<L extends RingBits>(tables: RingArrayOf<L>, bits: number, idx: RingArray, out?: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = 'gatherPerElement';
  const l = tableRingBits(fn, 'tables', tables) as L;
  checkTableBits(fn, bits);
  checkIndexArray(fn, 'idx', idx);
  const size = 2 ** bits;
  if (tables.length !== size * idx.length) {
    throw new RangeError(`${fn}: argument 'tables' must have idx.length · 2^bits = ${size * idx.length} entries, got ${tables.length}`);
  }
  const o = prepareOut(fn, l, idx.length, out);
  const mask = size - 1;
  const T = tables as unknown as { [i: number]: number | bigint }, O = o as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < idx.length; i++) O[i] = T[i * size + indexAt(idx, i, mask)]!;
  return o;
}

async function rotateTables<L extends RingBits>(table: RingArrayOf<L>, bits: number, rot: Uint32Array, channels: number, blocks: boolean, pairShift: 0 | 1, out?: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = 'rotateTables';
  const l = tableRingBits(fn, 'table', table) as L;
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new RangeError(`${fn}: argument 'bits'=${String(bits)} must be an integer in 1…16`);
  if (!(rot instanceof Uint32Array)) throw new TypeError(`${fn}: argument 'rot' must be a Uint32Array`);
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`${fn}: argument 'channels'=${String(channels)} must be a positive integer`);
  if (typeof blocks !== 'boolean') throw new TypeError(`${fn}: argument 'blocks' must be a boolean`);
  if (pairShift !== 0 && pairShift !== 1) throw new RangeError(`${fn}: argument 'pairShift'=${String(pairShift)} must be 0 or 1`);
  const S = 2 ** bits, n = rot.length, groups = n / 2 ** pairShift;
  if (table.length !== channels * S) throw new RangeError(`${fn}: argument 'table' must have channels · 2^bits = ${channels * S} entries, got ${table.length}`);
  if (!Number.isInteger(groups) || groups % channels !== 0) throw new RangeError(`${fn}: ${n} elements (in groups of ${2 ** pairShift}) do not divide into ${channels} table channels`);
  const o = prepareOut(fn, l, n * S, out);
  if (o.buffer === table.buffer && o.byteOffset < table.byteOffset + table.byteLength && table.byteOffset < o.byteOffset + o.byteLength) throw new RangeError(`${fn}: 'out' overlaps 'table'`);
  const per = groups / channels;
  const T = table as unknown as { [i: number]: number | bigint }, O = o as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) {
    const g = i >> pairShift;
    const c = blocks ? Math.floor(g / per) : g % channels;
    const r = rot[i]! & (S - 1);
    for (let j = 0; j < S; j++) O[i * S + j] = T[c * S + ((j - r + S) & (S - 1))]!;
  }
  return o;
}

async function prgFill(key: Uint8Array, iv: Uint8Array, out: Uint8Array): Promise<Uint8Array> {
  const fn = 'prgFill';
  checkBytes(fn, 'key', key, 16);
  checkBytes(fn, 'iv', iv, 16);
  checkBytes(fn, 'out', out);
  // The keystream is the encryption of zeros.
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  const chunk = 1 << 20;
  const zeros = new Uint8Array(Math.min(chunk, out.length));
  for (let off = 0; off < out.length; off += chunk) {
    const len = Math.min(chunk, out.length - off);
    const ks = cipher.update(len === zeros.length ? zeros : zeros.subarray(0, len));
    out.set(ks, off);
  }
  return out;
}

async function prgMix<L extends RingBits>(key: Uint8Array, iv: Uint8Array, op: 'sub' | 'xor', l: L, data: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = `prgMix(${String(op)})`;
  checkBytes(fn, 'key', key, 16);
  checkBytes(fn, 'iv', iv, 16);
  if (op !== 'sub' && op !== 'xor') throw new RangeError(`${fn}: op must be 'sub' or 'xor'`);
  if (l === 1) throw new RangeError(`${fn}: ring Z_2^1 has no byte-element keystream layout (use l = 8, 16, 32 or 64)`);
  checkRingBits(fn, l);
  checkRingArray(fn, 'data', l, data);
  // The definition: the keystream as an array of Z_2^l, then the element-wise op.
  const ks = allocRing(l, data.length);
  await prgFill(key, iv, new Uint8Array(ks.buffer, ks.byteOffset, ks.byteLength));
  return binary(op, l, data, ks, data);
}

async function prgGather<L extends RingBits>(key: Uint8Array, iv: Uint8Array, l: L, bits: number, idx: RingArray, out?: RingArrayOf<L>): Promise<RingArrayOf<L>> {
  const fn = 'prgGather';
  checkBytes(fn, 'key', key, 16);
  checkBytes(fn, 'iv', iv, 16);
  if (l === 1) throw new RangeError(`${fn}: ring Z_2^1 has no byte-element keystream layout (use l = 8, 16, 32 or 64)`);
  checkTableBits(fn, bits);
  checkIndexArray(fn, 'idx', idx);
  // The definition: expand every table, then read one entry of each.
  const tables = allocRing(l, idx.length * 2 ** bits);
  await prgFill(key, iv, new Uint8Array(tables.buffer, tables.byteOffset, tables.byteLength));
  return gatherPerElement(tables, bits, idx, out);
}

function checkLink(fn: string, byteBits: number, m: Uint32Array, off: number, c: number, u: Uint8Array | undefined, out: Uint8Array | undefined): Uint8Array {
  const int = (name: string, v: number, lo: number, hi: number): void => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${fn}: argument '${name}'=${String(v)} must be an integer in ${lo}…${hi}`);
  };
  int('byteBits', byteBits, 0, 24);
  if (!(m instanceof Uint32Array)) throw new TypeError(`${fn}: argument 'm' must be a Uint32Array for ring Z_2^32`);
  int('off', off, 0, 63);
  int('c', c, 1, 16);
  const packed = (m.length + 7) >> 3;
  if (u !== undefined) {
    checkBytes(fn, 'u', u);
    if (u.length < packed) throw new RangeError(`${fn}: argument 'u' must hold ceil(m.length/8) = ${packed} bytes, got ${u.length}`);
  }
  return prepareOut(fn, 8, packed, out) as Uint8Array;
}

async function bitLinkGather(tables: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u?: Uint8Array, out?: Uint8Array): Promise<Uint8Array> {
  const fn = 'bitLinkGather';
  checkBytes(fn, 'tables', tables);
  const o = checkLink(fn, byteBits, m, off, c, u, out);
  const stride = 2 ** byteBits;
  if (tables.length !== m.length * stride) throw new RangeError(`${fn}: argument 'tables' must have m.length·2^byteBits = ${m.length * stride} bytes, got ${tables.length}`);
  o.fill(0);
  for (let i = 0; i < m.length; i++) {
    let j = off >= 32 ? 0 : (m[i]! >>> off) % 2 ** c;
    if (u) j += ((u[i >> 3]! >> (i & 7)) & 1) * 2 ** c;
    const byte = tables[i * stride + (Math.floor(j / 8) % stride)]!;
    o[i >> 3]! |= ((byte >> (j % 8)) & 1) << (i % 8);
  }
  return o;
}

async function prgBitLinkGather(key: Uint8Array, iv: Uint8Array, byteBits: number, m: Uint32Array, off: number, c: number, u?: Uint8Array, out?: Uint8Array): Promise<Uint8Array> {
  const fn = 'prgBitLinkGather';
  checkBytes(fn, 'key', key, 16);
  checkBytes(fn, 'iv', iv, 16);
  checkLink(fn, byteBits, m, off, c, u, out);
  // The definition: expand every table, then read one bit of each.
  const tables = new Uint8Array(m.length * 2 ** byteBits);
  await prgFill(key, iv, tables);
  return bitLinkGather(tables, byteBits, m, off, c, u, out);
}

export const tsKernels: Kernels = {
  name: 'ts',
  detail: 'plain TypeScript (oracle)',
  binary,
  unary,
  mulScalar,
  shift,
  gemm,
  gemmPm1,
  rowGemm,
  gatherShared,
  gatherPerElement,
  rotateTables,
  prgFill,
  prgMix,
  prgGather,
  bitLinkGather,
  prgBitLinkGather,
};
