import { afterEach, describe, expect, it } from 'vitest';
import { allocRing, allocRingUninit, LARGE_ALLOC_BYTES, RING_BITS, ringBytes, setLargeAllocAdvisor, UNINIT_MIN_BYTES, type RingBits } from '../../src/kernels/types.js';
import { FrameParser, encodeHeader } from '../../src/mpc/transport/frame.js';

const TYPES: Record<RingBits, unknown> = { 1: Uint8Array, 8: Uint8Array, 16: Uint16Array, 32: Uint32Array, 64: BigUint64Array };

describe('allocRingUninit', () => {
  afterEach(() => setLargeAllocAdvisor(undefined));

  it('gives the ring type and length of allocRing, in its own buffer, for every ring and size', () => {
    for (const l of RING_BITS) {
      for (const n of [0, 1, 7, UNINIT_MIN_BYTES / ringBytes(l) - 1, UNINIT_MIN_BYTES / ringBytes(l), 3 * UNINIT_MIN_BYTES + 5]) {
        const a = allocRingUninit(l, n);
        expect(a).toBeInstanceOf(TYPES[l] as never);
        expect(a.length).toBe(n);
        expect(a.byteOffset).toBe(0);
        expect(a.buffer.byteLength).toBe(n * ringBytes(l)); // not a slice of Node's shared pool
      }
    }
  });

  it('is zeroed below UNINIT_MIN_BYTES (the heap chunks it leaves to allocRing)', () => {
    const dirty = allocRingUninit(8, UNINIT_MIN_BYTES);
    dirty.fill(0xa5);
    expect(allocRingUninit(8, UNINIT_MIN_BYTES - 1).every((v) => v === 0)).toBe(true);
    expect(allocRing(32, 100).every((v) => v === 0)).toBe(true);
  });

  it('passes large arrays to the huge-page advisor before they are written, as allocRing does', () => {
    const seen: number[] = [];
    setLargeAllocAdvisor((a) => {
      seen.push(a.byteLength);
      return 0;
    });
    allocRingUninit(32, LARGE_ALLOC_BYTES / 4);
    allocRingUninit(8, LARGE_ALLOC_BYTES - 1);
    allocRing(8, LARGE_ALLOC_BYTES);
    expect(seen).toEqual([LARGE_ALLOC_BYTES, LARGE_ALLOC_BYTES]);
  });

  it('frame payloads, now allocated without a zero fill, come out exactly as sent whatever the chunking', () => {
    const payload = new Uint8Array(UNINIT_MIN_BYTES * 3 + 11);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + 7) & 0xff;
    const wire = new Uint8Array([...encodeHeader('t.0', payload.length), ...payload, ...encodeHeader('t.1', 0)]);
    // Leave stale bytes in freed memory that the next allocations may reuse.
    for (let k = 0; k < 4; k++) allocRingUninit(8, payload.length).fill(0xee);
    for (const step of [1 << 20, 4099, 65536]) {
      const got: { tag: string; payload: Uint8Array }[] = [];
      const p = new FrameParser('P0', 1 << 30, (f) => got.push(f));
      for (let off = 0; off < wire.length; off += step) p.push(wire.subarray(off, off + step));
      expect(got.map((f) => f.tag)).toEqual(['t.0', 't.1']);
      expect(Buffer.compare(got[0]!.payload, payload)).toBe(0);
      expect(got[1]!.payload.length).toBe(0);
    }
  });
});
