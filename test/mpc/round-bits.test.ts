/**
 * Z_2 slots in a round travel bit-packed: element-form slots (0/1 bytes in,
 * 0/1 bytes out) and packed slots (packed in, packed out) open the XOR of
 * both shares, at ⌈n/8⌉ bytes each, and a wider slot after an odd-sized bit
 * slot still opens correctly (its bytes start unaligned in the message).
 */
import { describe, expect, it } from 'vitest';
import { bitAt, packBits } from '../../src/mpc/bits.js';
import { inprocCluster } from '../../src/mpc/cluster.js';
import { inRound, Round } from '../../src/mpc/round.js';
import { wireBytes } from '../../src/mpc/ring.js';
import { randRing } from '../lut/helpers.js';

describe('bit-packed Z_2 slots', () => {
  it('open the XOR of the shares in element and packed form, next to a Z_2^32 slot', async () => {
    const cl = await inprocCluster();
    try {
      const n = 13;
      const a = { P1: randRing(1, n) as Uint8Array, P2: randRing(1, n) as Uint8Array };
      const b = { P1: randRing(1, n) as Uint8Array, P2: randRing(1, n) as Uint8Array };
      const w = { P1: randRing(32, n) as Uint32Array, P2: randRing(32, n) as Uint32Array };
      const run = (id: 'P1' | 'P2') =>
        inRound(cl[id], 'bits', (r) => [r.reserve(1, n, 'e').open(a[id].slice()), r.reservePacked(n, 'p').open(packBits(b[id])), r.reserve(32, n, 'w').open(w[id].slice())]);
      const [o1, o2] = await Promise.all([run('P1'), run('P2')]);
      for (const [ea, pb, ww] of [o1, o2]) {
        expect(Array.from(ea as Uint8Array)).toEqual(Array.from(a.P1, (v, i) => v ^ a.P2[i]!));
        expect((pb as Uint8Array).length).toBe(2);
        for (let i = 0; i < n; i++) expect(bitAt(pb as Uint8Array, i)).toBe(b.P1[i]! ^ b.P2[i]!);
        expect(Array.from(ww as Uint32Array)).toEqual(Array.from(w.P1, (v, i) => (v + w.P2[i]!) >>> 0));
      }
      const acct = cl.P1.acct.get('online', 'bits');
      expect(acct.bytesSent).toBe(2 * wireBytes(1, n) + 4 * n);
      expect(wireBytes(1, n)).toBe(2);
      expect(acct.rounds).toBe(1);
    } finally {
      await cl.close();
    }
  });

  it('a packed slot rejects a share of the wrong byte length', async () => {
    const cl = await inprocCluster();
    try {
      const round = new Round(cl.P1, 'bad');
      expect(() => round.reservePacked(13).open(new Uint8Array(13))).toThrow(/13 elements \(packed\) got 13 bytes/);
    } finally {
      await cl.close();
    }
  });

  it('packed openings of several sizes, after an odd-sized slot (unaligned in the message), land in fresh arrays', async () => {
    const cl = await inprocCluster();
    try {
      for (const n of [1, 3, 4, 5, 37, 1000, 8001]) {
        const pre = { P1: randRing(1, 5) as Uint8Array, P2: randRing(1, 5) as Uint8Array }; // 1 byte on the wire
        const b = { P1: packBits(randRing(1, n) as Uint8Array), P2: packBits(randRing(1, n) as Uint8Array) };
        const sent = { P1: b.P1.slice(), P2: b.P2.slice() };
        const run = (id: 'P1' | 'P2') => inRound(cl[id], 'bits', (r) => [r.reserve(1, 5, 'e').open(pre[id].slice()), r.reservePacked(n, 'p').open(sent[id])]);
        const [[, o1], [, o2]] = await Promise.all([run('P1'), run('P2')]);
        for (const [o, id] of [[o1, 'P1'], [o2, 'P2']] as const) {
          expect(Array.from(o as Uint8Array)).toEqual(Array.from(b.P1, (v, i) => v ^ b.P2[i]!));
          expect((o as Uint8Array).buffer).not.toBe(sent[id].buffer);
        }
      }
    } finally {
      await cl.close();
    }
  });
});
