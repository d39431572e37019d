/**
 * Per-element table shares kept as keystream references (Dealing.shareTable):
 * P1 stores no table bytes, yet every entry it reads equals the share P0
 * drew for it, so P1 + P2 read exactly the dealt table at every index; the
 * reference survives a DiskStore round trip; misuse is a clear ProtocolError.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { tsKernels } from '../../src/kernels/ts.js';
import { allocRing, type RingArray, type RingBits } from '../../src/kernels/types.js';
import { inprocCluster } from '../../src/mpc/cluster.js';
import { Offline } from '../../src/mpc/dealer.js';
import { lookup } from '../../src/mpc/lut/local.js';
import { DiskStore, type Material } from '../../src/mpc/material.js';
import { item, tableItem } from '../../src/mpc/protocols/common.js';
import * as R from '../../src/mpc/ring.js';
import { big, randRing } from './helpers.js';

/** Deal one table of n elements × 2^bits entries with shareTable (on a copy: the dealing consumes P0's array); return each compute party's entry. */
async function dealTable(l: RingBits, n: number, bits: number, value: RingArray, stores?: { P1?: DiskStore; P2?: DiskStore }) {
  const cl = await inprocCluster(stores ? { party: { P1: { store: stores.P1 }, P2: { store: stores.P2 } } } : {});
  await Promise.all(
    [cl.P0, cl.P1, cl.P2].map(async (p) => {
      const off = new Offline(p);
      await off.deal('tab', (d) => d.shareTable('t', l, n << bits, p.id === 'P0' ? value.slice() : undefined));
      await off.flush();
    }),
  );
  const m1 = cl.P1.take('tab').items;
  const m2 = cl.P2.take('tab').items;
  await cl.close();
  return { m1, m2 };
}

/** P1 + P2 read at every index j of every element: must equal the dealt table. */
async function readAll(l: RingBits, n: number, bits: number, m1: Material, m2: Material, tag = 'tab#0'): Promise<bigint[]> {
  const t1 = tableItem(m1, tag, 't', l, n << bits);
  const t2 = tableItem(m2, tag, 't', l, n << bits);
  const out: bigint[] = new Array<bigint>(n << bits);
  for (let j = 0; j < 2 ** bits; j++) {
    const idx = new Uint32Array(n).fill(j + 2 ** bits * 5); // high bits above the index width are ignored
    const s = R.add(l, await lookup(t1, bits, idx), await lookup(t2, bits, idx));
    const v = big(s);
    for (let i = 0; i < n; i++) out[(i << bits) + j] = v[i]!;
  }
  return out;
}

describe('table shares as keystream references', () => {
  for (const [l, bits] of [
    [8, 8],
    [16, 4],
    [32, 8],
    [64, 3],
  ] as [RingBits, number][]) {
    it(`Z_2^${l}, ${bits}-bit tables: P1 holds a reference, P1 + P2 read the dealt table at every entry`, async () => {
      const n = 37;
      const value = randRing(l, n << bits);
      const { m1, m2 } = await dealTable(l, n, bits, value);
      const e1 = m1.get('t')!;
      expect(e1.prg).toBeDefined();
      expect(e1.data.length).toBe(0); // no table bytes at P1
      expect(m2.get('t')!.prg).toBeUndefined();
      expect(m2.get('t')!.data.length).toBe(n << bits);
      expect(await readAll(l, n, bits, m1, m2)).toEqual(big(value));
    });
  }

  it('the reference reads what the plain TypeScript expansion of the stream holds', async () => {
    const l: RingBits = 16, n = 9, bits = 5;
    const { m1 } = await dealTable(l, n, bits, randRing(l, n << bits));
    const ref = m1.get('t')!.prg!;
    const full = allocRing(l, n << bits);
    await tsKernels.prgFill(ref.key, ref.iv, new Uint8Array(full.buffer));
    const idx = Uint32Array.from({ length: n }, (_, i) => (i * 7) % 32);
    const got = await lookup({ l, prg: ref }, bits, idx);
    expect(big(got)).toEqual(big(await tsKernels.gatherPerElement(full, bits, idx)));
  });

  it('survives a DiskStore round trip (no table bytes written for P1)', async () => {
    const dirs = ['P1', 'P2'].map((id) => fs.mkdtempSync(path.join(os.tmpdir(), `lutmpc-tab-${id}-`)));
    try {
      const l: RingBits = 32, n = 11, bits = 6;
      const value = randRing(l, n << bits);
      const { m1, m2 } = await dealTable(l, n, bits, value, { P1: new DiskStore(dirs[0]!, 'P1'), P2: new DiskStore(dirs[1]!, 'P2') });
      expect(m1.get('t')!.prg).toBeDefined();
      expect(await readAll(l, n, bits, m1, m2)).toEqual(big(value));
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('P1 stores a table share of a few hundred bytes on disk instead of n·2^bits elements', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-tab-size-'));
    try {
      const st = new DiskStore(dir, 'P1');
      const cl = await inprocCluster({ party: { P1: { store: st } } });
      await Promise.all(
        [cl.P0, cl.P1, cl.P2].map(async (p) => {
          const off = new Offline(p);
          await off.deal('tab', (d) => d.shareTable('t', 32, 1000 << 8, p.id === 'P0' ? randRing(32, 1000 << 8) : undefined));
          await off.flush();
        }),
      );
      const [f] = fs.readdirSync(dir);
      expect(fs.statSync(path.join(dir, f!)).size).toBeLessThan(1024);
      await cl.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('misuse names the problem: plain item() on a reference, wrong length, wrong lookup shape', async () => {
    const { m1 } = await dealTable(8, 4, 2, randRing(8, 16));
    expect(() => item(m1, 'tab#0', 't', 8, 16)).toThrow(/keystream reference; read it with tableItem/);
    expect(() => tableItem(m1, 'tab#0', 't', 8, 32)).toThrow(ProtocolError);
    expect(() => tableItem(m1, 'tab#0', 't', 8, 32)).toThrow(/is 16 elements of Z_2\^8, the call needs 32/);
    await expect(lookup(tableItem(m1, 'tab#0', 't', 8, 16), 2, new Uint8Array(5))).rejects.toThrow(/does not fit 5 elements × 2\^2/);
  });
});

describe('early corrections (a dealing leaves P0 as soon as it and all before it are done)', () => {
  it('P0 sends before its flush, and a later batch that finishes first waits for the earlier one', async () => {
    const l: RingBits = 32, n = 5, bits = 3;
    const values = [randRing(l, n << bits), randRing(l, n << bits), randRing(l, n << bits)];
    const cl = await inprocCluster();
    const sentAt: string[] = [];
    const send = cl.P0.sendUncharged.bind(cl.P0);
    cl.P0.sendUncharged = (peer, tag, parts) => {
      sentAt.push(tag);
      return send(peer, tag, parts);
    };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await Promise.all(
      [cl.P0, cl.P1, cl.P2].map(async (p) => {
        const off = new Offline(p);
        const v = (k: number) => (p.id === 'P0' ? values[k]!.slice() : undefined);
        // Batch 0: dealing 0 done at once, dealing 1 held back until batch 1 has gone out.
        await off.deal('tab', (d) => d.shareTable('t', l, n << bits, v(0)));
        if (p.id === 'P0') expect(sentAt).toEqual(['off#0.0']); // before any flush
        const held = off.deal('tab', async (d) => {
          if (p.id === 'P0') await gate;
          await d.shareTable('t', l, n << bits, v(1));
        });
        const flush0 = off.flush();
        // Batch 1 finishes while batch 0 still waits: it must not leave first (P2 takes frames in order).
        await off.deal('tab', (d) => d.shareTable('t', l, n << bits, v(2)));
        if (p.id === 'P0') {
          expect(sentAt).toEqual(['off#0.0']);
          release();
        }
        await held;
        await flush0;
        await off.flush();
      }),
    );
    expect(sentAt).toEqual(['off#0.0', 'off#0.1', 'off#1.0']); // batch 1 went out as soon as batch 0 was closed, before its own flush
    for (let k = 0; k < 3; k++) {
      const m1 = cl.P1.take('tab').items;
      const m2 = cl.P2.take('tab').items;
      expect(await readAll(l, n, bits, m1, m2, `tab#${k}`)).toEqual(big(values[k]!));
    }
    await cl.close();
  });
});
