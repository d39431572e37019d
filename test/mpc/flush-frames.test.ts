/** Large offline batches travel as several frames; both ends must cut them identically. */
import { describe, expect, it } from 'vitest';
import { groupCorrections } from '../../src/mpc/dealer.js';
import { correction, FLUSH_FRAME_BYTES } from '../../src/mpc/cost.js';
import type { RingArray, RingBits } from '../../src/kernels/types.js';

const corr = (name: string, l: RingBits, data: RingArray) => ({ seq: 0, name, l, data });

describe('offline correction frames', () => {
  it('packs corrections into frames of exactly max bytes, slicing across frames, in order', () => {
    const a = new Uint32Array(10).map((_, i) => i);
    const b = new Uint8Array(7).map((_, i) => 100 + i);
    const c = new BigUint64Array(3).map((_, i) => BigInt(1000 + i));
    const groups = groupCorrections([corr('a', 32, a), corr('b', 8, b), corr('c', 64, c)], 16);
    const sizes = groups.map((g) => g.reduce((s, x) => s + x.byteLength, 0));
    const total = a.byteLength + b.byteLength + c.byteLength;
    expect(sizes.slice(0, -1).every((s) => s === 16)).toBe(true);
    expect(groups.length).toBe(Math.ceil(total / 16));
    // Concatenating the frames gives back every correction's bytes in order.
    const flat = Buffer.concat(groups.flat());
    const want = Buffer.concat([a, b, c].map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));
    expect(flat.equals(want)).toBe(true);
    // Slices are views into the caller's arrays, so P2 fills its placeholders in place.
    expect(groups.flat().every((x) => [a.buffer, b.buffer, c.buffer].includes(x.buffer as ArrayBuffer))).toBe(true);
  });

  it('the declared cost has ⌈B / frame⌉ messages and one round', () => {
    const B = 2 * FLUSH_FRAME_BYTES + 5;
    const pc = correction(B);
    expect(pc.messages.map((m) => m.bytes)).toEqual([FLUSH_FRAME_BYTES, FLUSH_FRAME_BYTES, 5]);
    expect(pc.rounds).toEqual({ P2: 1 });
    expect(correction(0).messages).toEqual([]);
  });
});
