/** PRG streams, material stores and the offline/online tag discipline. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { inprocCluster } from '../../src/mpc/cluster.js';
import { Offline } from '../../src/mpc/dealer.js';
import { DiskStore, MemoryStore } from '../../src/mpc/material.js';
import { PrgStream, tagNonce } from '../../src/mpc/prg.js';
import * as R from '../../src/mpc/ring.js';
import type { RingBits } from '../../src/kernels/types.js';
import { inRound } from '../../src/mpc/round.js';
import { clientInput, input, inputOffline } from '../../src/mpc/protocols/input.js';
import { clientOutput, output } from '../../src/mpc/protocols/output.js';
import { mul, mulOffline } from '../../src/mpc/protocols/mul.js';
import { big, randRing, refMul, runProgram } from './helpers.js';

describe('PrgStream', () => {
  it('is AES-128-CTR at counter nonce‖position, block aligned per draw', async () => {
    const key = new Uint8Array(16).fill(3);
    const s = PrgStream.forTag(key, 'mul#0/c');
    const a = new Uint8Array(20);
    const b = new Uint8Array(16);
    await s.fill(a);
    await s.fill(b);
    expect(s.position).toBe(3n);
    const iv = new Uint8Array(16);
    iv.set(tagNonce('mul#0/c'));
    const ks = createCipheriv('aes-128-ctr', key, iv).update(new Uint8Array(48));
    expect([...a]).toEqual([...ks.subarray(0, 20)]);
    expect([...b]).toEqual([...ks.subarray(32, 48)]);
  });

  it('draws uniform ring arrays of every width (Z_2 as 0/1 bytes)', async () => {
    const s = new PrgStream(new Uint8Array(16));
    const bits = (await s.ring(1, 4000)) as Uint8Array;
    expect(bits.every((v) => v <= 1)).toBe(true);
    const ones = bits.reduce((a, v) => a + v, 0);
    expect(ones).toBeGreaterThan(1700);
    expect(ones).toBeLessThan(2300);
    expect(await s.ring(64, 3)).toBeInstanceOf(BigUint64Array);
    expect(await s.ring(16, 3)).toBeInstanceOf(Uint16Array);
  });

  it('mixInto subtracts (or XORs) the same keystream ring() draws, across the native pass\'s ranges, and keeps the position', async () => {
    const key = new Uint8Array(16).fill(9);
    // Small sizes with ragged tails (bytes not a multiple of 16), and ones over several of the
    // kernel's parallel ranges (2^14 blocks each) and its 4 KiB batches, also with a ragged tail.
    const cases: [RingBits, number][] = [[8, 1001], [16, 77], [32, (5 << 18) / 4 + 3], [64, 5], [64, (3 << 18) / 8 + 1], [8, 0]];
    for (const [l, n] of cases) {
      for (const xor of [false, true]) {
        const value = randRing(l, n);
        const a = PrgStream.forTag(key, `mix/${l}`);
        const b = PrgStream.forTag(key, `mix/${l}`);
        await a.ring(8, 3); // start away from position 0
        await b.ring(8, 3);
        const ks = await a.ring(l, n);
        const want = xor ? R.kernels().binary('xor', l, value as never, ks as never) : R.sub(l, value, ks);
        const got = await b.mixInto(l, value.slice(), xor);
        expect(Buffer.from(R.bytesOf(got)).equals(Buffer.from(R.bytesOf(want))), `Z_2^${l}, n=${n}, xor=${xor}`).toBe(true);
        expect(b.position).toBe(a.position);
      }
    }
    await expect(new PrgStream(key).mixInto(1, new Uint8Array(4))).rejects.toThrow(/Z_2\^1/);
  });
});

describe('material stores', () => {
  it('MemoryStore enforces the tag order', () => {
    const st = new MemoryStore('P1');
    st.push({ tag: 'mul#0', items: new Map([['c', { l: 8, data: new Uint8Array([1]) }]]) });
    expect(() => st.take('mul#1')).toThrow(/online call 'mul#1' but the next stored entry is 'mul#0'/);
    expect(st.take('mul#0').get('c')!.data[0]).toBe(1);
    expect(() => st.take('mul#1')).toThrow(/no offline material left/);
  });

  it('DiskStore round-trips entries of mixed widths in order, across store objects', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-mat-'));
    try {
      const a = new DiskStore(dir, 'P2');
      const x = new BigUint64Array([1n, 2n ** 63n + 5n]);
      a.push({ tag: 'mul#0', items: new Map<string, { l: 1 | 8 | 16 | 32 | 64; data: Uint8Array | BigUint64Array | Uint16Array }>([['a', { l: 8, data: new Uint8Array([9, 8, 7]) }], ['b', { l: 64, data: x }]]) as never });
      a.push({ tag: 'matmul#1', items: new Map([['c', { l: 16, data: new Uint16Array([65535]) }]]) as never });
      const b = new DiskStore(dir, 'P2');
      expect(b.size).toBe(2);
      const e = b.take('mul#0');
      expect([...e.get('a')!.data]).toEqual([9, 8, 7]);
      expect([...e.get('b')!.data]).toEqual([1n, 2n ** 63n + 5n]);
      expect(() => b.take('mul#9')).toThrow(ProtocolError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('offline phase', () => {
  it('can run before the input exists, with material on disk, and is consumed in order', async () => {
    const dirs = ['P1', 'P2'].map((id) => fs.mkdtempSync(path.join(os.tmpdir(), `lutmpc-${id}-`)));
    try {
      const cl = await inprocCluster({ party: { P1: { store: new DiskStore(dirs[0]!, 'P1') }, P2: { store: new DiskStore(dirs[1]!, 'P2') } } });
      const x = randRing(16, 10), y = randRing(16, 10);
      const got = await runProgram(cl, {
        offline: async (off) => {
          const rx = await inputOffline(off, 16, [10]);
          const ry = await inputOffline(off, 16, [10]);
          await mulOffline(off, rx, ry);
          await off.flush();
        },
        online: async (p) => {
          expect(p.store.size).toBe(3);
          const [a, b] = await inRound(p, 'in', (r) => [input(r, 16, [10]), input(r, 16, [10])]);
          const [z] = await inRound(p, 'mul', (r) => [mul(r, a, b)]);
          output(p, z);
          expect(p.store.size).toBe(0);
        },
        client: async (c) => {
          await clientInput(c, 16, x);
          await clientInput(c, 16, y);
          return clientOutput(c, 16, 10);
        },
      });
      expect(big(got)).toEqual(refMul(16, x, y));
      expect(fs.readdirSync(dirs[0]!)).toEqual([]);
      await cl.close();
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('an online call that does not match the stored material is a ProtocolError', async () => {
    const cl = await inprocCluster({ timeoutMs: 2000 });
    await Promise.all([cl.P0, cl.P1, cl.P2].map(async (p) => {
      const off = new Offline(p);
      await inputOffline(off, 8, [4]);
      await off.flush();
    }));
    await expect(inRound(cl.P1, 'x', (r) => [mul(r, { l: 8, shape: [4], m: new Uint8Array(4), r: new Uint8Array(4) }, { l: 8, shape: [4], m: new Uint8Array(4), r: new Uint8Array(4) })])).rejects.toThrow(
      /online call 'mul#0' but the next stored entry is 'input#0'/,
    );
    // P1 aborted: its peers fail instead of waiting.
    await expect(cl.P2.link('P1').recv('r#0:x')).rejects.toBeInstanceOf(Error);
  });
});
