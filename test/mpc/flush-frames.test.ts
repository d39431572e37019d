/** Large offline batches travel as several frames; both ends must cut them identically. */
import { describe, expect, it } from 'vitest';
import { frameSizes, groupCorrections, placeCorrections, type Correction } from '../../src/mpc/dealer.js';
import { correction, FLUSH_FRAME_BYTES } from '../../src/mpc/cost.js';
import type { RingArray, RingBits } from '../../src/kernels/types.js';

const corr = (name: string, l: RingBits, data: RingArray): Correction => ({ seq: 0, name, l, data, bytes: data.byteLength });

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

  it('P2 places the frames: tables within one aligned frame become views of it, the rest is copied', () => {
    const rnd = (n: number) => new Uint8Array(n).map((_, i) => (i * 37 + n) & 255);
    // Sent arrays, in order: a 32-bit table inside frame 0 (view), an odd-sized bit table (view, 8-bit),
    // a 32-bit table now misaligned (copied), a placeholder share straddling frames 0 and 1 (copied
    // into its hole), an empty table, a 32-bit table straddling frames 1 and 2 (copied), a bit
    // table inside the last frame (view) and a 64-bit table at an aligned offset after it (view).
    const sent: [RingBits, Uint8Array, boolean][] = [[32, rnd(16), true], [8, rnd(5), true], [32, rnd(8), true], [16, rnd(12), false], [32, rnd(0), true], [32, rnd(24), true], [8, rnd(7), true], [64, rnd(16), true]];
    const wire = Buffer.concat(sent.map(([, b]) => b));
    const sizes = frameSizes(sent.map(([, b]) => ({ bytes: b.byteLength })), 32);
    expect(sizes).toEqual([32, 32, 24]);
    // Frames as the parser delivers them: fresh, 8-byte aligned buffers.
    let at = 0;
    const frames = sizes.map((n) => {
      const f = new Uint8Array(new ArrayBuffer(n));
      f.set(wire.subarray(at, at + n));
      at += n;
      return f;
    });
    const got: (RingArray | undefined)[] = sent.map(() => undefined);
    const cs = sent.map(([l, b, table], i) => {
      const eb = l / 8;
      const hole = table ? new Uint8Array(0) : new Uint16Array(b.byteLength / eb);
      if (!table) got[i] = hole;
      return { l, bytes: b.byteLength, data: hole as RingArray, adopt: table ? (d: RingArray) => (got[i] = d) : undefined };
    });
    placeCorrections(cs, frames);
    got.forEach((g, i) => expect(Buffer.from(g!.buffer, g!.byteOffset, g!.byteLength).equals(Buffer.from(sent[i]![1])), `array ${i}`).toBe(true));
    const isView = got.map((g) => frames.some((f) => f.buffer === g!.buffer));
    expect(isView).toEqual([true, true, false, false, false, false, true, true]);
    expect(got[7]).toBeInstanceOf(BigUint64Array);
  });

  it('the declared cost has ⌈B / frame⌉ messages and one round', () => {
    const B = 2 * FLUSH_FRAME_BYTES + 5;
    const pc = correction(B);
    expect(pc.messages.map((m) => m.bytes)).toEqual([FLUSH_FRAME_BYTES, FLUSH_FRAME_BYTES, 5]);
    expect(pc.rounds).toEqual({ P2: 1 });
    expect(correction(0).messages).toEqual([]);
  });
});
