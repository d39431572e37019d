import { describe, expect, it } from 'vitest';
import { inprocCluster } from '../../src/mpc/cluster.js';
import { inRound } from '../../src/mpc/round.js';
import { clientInput, input, inputOffline } from '../../src/mpc/protocols/input.js';
import { clientOutput, output } from '../../src/mpc/protocols/output.js';
import { mul, mulOffline } from '../../src/mpc/protocols/mul.js';
import { matmul, matmulOffline } from '../../src/mpc/protocols/matmul.js';
import { matmulWeight, matmulWeightOffline, shareWeight, type WeightShare } from '../../src/mpc/protocols/matmul-weight.js';
import { remask, remaskOffline } from '../../src/mpc/protocols/remask.js';
import { mulAdditive, mulAdditiveOffline } from '../../src/mpc/protocols/mul.js';
import { matmulWeightAdditive, matmulWeightAdditiveOffline } from '../../src/mpc/protocols/matmul-weight.js';
import { addAdditive } from '../../src/mpc/sharing.js';
import { addMasked, addMask, scaleMasked, scaleMask, toAdditive, type MaskOf, type Masked } from '../../src/mpc/sharing.js';
import type { RingArray, RingBits } from '../../src/kernels/types.js';
import { big, randRing, refAddRows, refMatmul, refMul, runProgram, WIDTHS } from './helpers.js';

describe.each(WIDTHS)('protocols over Z_2^%i (in-process)', (l: RingBits) => {
  it('additive products (no online bytes) summed and re-masked in one round', async () => {
    const cl = await inprocCluster();
    const [m, k, n] = [2, 3, 4];
    const X = randRing(l, m * k), W = randRing(l, k * n), bias = randRing(l, n), Y = randRing(l, m * n);
    const ws = new Map<string, WeightShare>();
    const got = await runProgram(cl, {
      offline: async (off, p) => {
        const w = await shareWeight(off, l, k, n, p.id === 'P0' ? W : undefined);
        ws.set(p.id, w);
        const rx = await inputOffline(off, l, [m, k]);
        const ry = await inputOffline(off, l, [m, n]);
        await matmulWeightAdditiveOffline(off, rx, w, p.id === 'P0' ? bias : undefined);
        await mulAdditiveOffline(off, ry, ry);
        await remaskOffline(off, l, [m, n]);
        await off.flush();
      },
      online: async (p) => {
        const [x, y] = await inRound(p, 'in', (r) => [input(r, l, [m, k]), input(r, l, [m, n])]);
        const before = p.acct.total('online').bytesSent;
        const a = await matmulWeightAdditive(p, x, ws.get(p.id)!);
        const b = mulAdditive(p, y, y);
        expect(p.acct.total('online').bytesSent).toBe(before);
        const [z] = await inRound(p, 'remask', (r) => [remask(r, addAdditive(a, b))]);
        output(p, z);
      },
      client: async (c) => {
        await clientInput(c, l, X);
        await clientInput(c, l, Y);
        return clientOutput(c, l, m * n);
      },
    });
    const xw = refAddRows(l, refMatmul(l, X, W, m, k, n), bias, n);
    const yy = refMul(l, Y, Y);
    expect(big(got)).toEqual(xw.map((v, i) => BigInt.asUintN(l, v + yy[i]!)));
    await cl.close();
  });

  it('input → output round-trips', async () => {
    const cl = await inprocCluster();
    const x = randRing(l, 12);
    const got = await runProgram(cl, {
      offline: async (off) => {
        await inputOffline(off, l, [3, 4]);
        await off.flush();
      },
      online: async (p) => {
        const [v] = await inRound(p, 'in', (r) => [input(r, l, [3, 4])]);
        output(p, v);
      },
      client: async (c) => {
        await clientInput(c, l, x);
        return clientOutput(c, l, 12);
      },
    });
    expect(big(got)).toEqual(big(x));
    await cl.close();
  });

  it('mul, matmul, matmulW (+bias), linear ops and remask equal plaintext ring arithmetic', async () => {
    const cl = await inprocCluster();
    const [m, k, n] = [3, 5, 4];
    const X = randRing(l, m * k), Y = randRing(l, k * n), X2 = randRing(l, m * k), W = randRing(l, k * n), bias = randRing(l, n);
    const got = await runProgram(cl, {
      offline: async (off, p) => {
        const ws = await shareWeight(off, l, k, n, p.id === 'P0' ? W : undefined);
        weights.set(p.id, ws);
        const rx = await inputOffline(off, l, [m, k]);
        const ry = await inputOffline(off, l, [k, n]);
        const rx2 = await inputOffline(off, l, [m, k]);
        const [rxy, rxx, rxw] = await Promise.all([
          matmulOffline(off, rx, ry),
          mulOffline(off, rx, rx2),
          matmulWeightOffline(off, addMask(rx, scaleMask(rx2, 3n)), ws, p.id === 'P0' ? bias : undefined),
        ]);
        const rr: MaskOf = await remaskOffline(off, l, [m, n]);
        await mulOffline(off, rxy, rr);
        await off.flush();
        void rxx;
        void rxw;
      },
      online: async (p) => {
        const [x, y, x2] = await inRound(p, 'in', (r) => [input(r, l, [m, k]), input(r, l, [k, n]), input(r, l, [m, k])]);
        const ws = weights.get(p.id)!;
        const [xy, xx, xw] = await inRound(p, 'layer', (r) => [matmul(r, x, y), mul(r, x, x2), matmulWeight(r, addMasked(x, scaleMasked(x2, 3n)), ws)]);
        const [back] = await inRound(p, 'remask', (r) => [remask(r, toAdditive(p, xy))]);
        const [sq] = await inRound(p, 'sq', (r) => [mul(r, xy, back)]);
        for (const v of [xy, xx, xw, sq] as Masked[]) output(p, v);
      },
      client: async (c) => {
        for (const v of [X, Y, X2]) await clientInput(c, l, v);
        const res: RingArray[] = [];
        for (const len of [m * n, m * k, m * n, m * n]) res.push(await clientOutput(c, l, len));
        return res;
      },
    });
    const xy = refMatmul(l, X, Y, m, k, n);
    expect(big(got[0]!)).toEqual(xy);
    expect(big(got[1]!)).toEqual(refMul(l, X, X2));
    const x3 = big(X).map((v, i) => BigInt.asUintN(l, v + 3n * big(X2)[i]!));
    const W_ = big(W);
    const xw: bigint[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0n;
      for (let t = 0; t < k; t++) s += x3[i * k + t]! * W_[t * n + j]!;
      xw.push(BigInt.asUintN(l, s));
    }
    expect(big(got[2]!)).toEqual(refAddRows(l, xw, bias, n));
    expect(big(got[3]!)).toEqual(refMul(l, xy, xy));
    await cl.close();
  });
});

const weights = new Map<string, WeightShare>();
