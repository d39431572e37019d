/**
 * Bad input never crashes the process: wrong typed-array kinds throw
 * TypeError, wrong lengths / shapes / ring widths / bit counts / shift counts
 * throw RangeError, each naming the function and argument. Async kernels
 * reject their Promise, like the TypeScript backend.
 */
import { describe, expect, it } from 'vitest';
import { addon, native, nativeAvailable } from './helpers.js';

type AnyFn = (...args: unknown[]) => unknown;
const K = (name: string): AnyFn => (native as unknown as Record<string, AnyFn>)[name]!;

describe.skipIf(!nativeAvailable)('native argument checks', () => {
  it('element-wise ops: kind, length, width, op, shift count', () => {
    const u32 = new Uint32Array(4);
    expect(() => K('binary')('add', 32, new Uint8Array(4), u32)).toThrow(TypeError);
    expect(() => K('binary')('add', 32, new Uint8Array(4), u32)).toThrow(/binary\(add\): argument 'a' must be a Uint32Array/);
    expect(() => K('binary')('add', 32, new Int32Array(4), u32)).toThrow(TypeError);
    expect(() => K('binary')('add', 32, u32, new Uint32Array(3))).toThrow(RangeError);
    expect(() => K('binary')('add', 32, u32, new Uint32Array(3))).toThrow(/argument 'b'/);
    expect(() => K('binary')('add', 32, u32, u32, new Uint32Array(5))).toThrow(/argument 'out'/);
    expect(() => K('binary')('add', 32, u32, u32, new Uint16Array(4))).toThrow(TypeError);
    expect(() => K('binary')('add', 7, u32, u32)).toThrow(RangeError);
    expect(() => K('binary')('add', 7, u32, u32)).toThrow(/l=7/);
    expect(() => K('binary')('pow', 32, u32, u32)).toThrow(/unknown op 'pow'/);
    expect(() => K('binary')('add', 32, [1, 2, 3, 4], u32)).toThrow(TypeError);
    expect(() => K('binary')('add', 64, new Float64Array(4), new BigUint64Array(4))).toThrow(TypeError);
    expect(() => K('unary')('neg', 16, new Uint8Array(2))).toThrow(/argument 'a' must be a Uint16Array/);
    expect(() => K('mulScalar')(32, u32, 3)).toThrow(/argument 's' must be a bigint/);
    expect(() => K('shift')('shl', 8, new Uint8Array(2), 8)).toThrow(RangeError);
    expect(() => K('shift')('shl', 8, new Uint8Array(2), 8)).toThrow(/k=8/);
    expect(() => K('shift')('sar', 1, new Uint8Array(2), 1)).toThrow(RangeError);
    expect(() => K('shift')('shr', 32, u32, -1)).toThrow(RangeError);
    expect(() => K('shift')('shr', 32, u32, 1.5)).toThrow(RangeError);
    expect(() => K('shift')('shr', 32, u32, '3')).toThrow(RangeError);
  });

  it('gemm and gemmPm1 reject with named arguments', async () => {
    const a = new Uint32Array(6), b = new Uint32Array(12);
    await expect(K('gemm')(32, a, new Uint32Array(5), 2, 3, 4)).rejects.toThrow(RangeError);
    await expect(K('gemm')(32, a, new Uint32Array(5), 2, 3, 4)).rejects.toThrow(
      "gemm: argument 'b' must be a Uint32Array of length k*n = 12, got Uint32Array of length 5",
    );
    await expect(K('gemm')(32, new Uint32Array(5), b, 2, 3, 4)).rejects.toThrow(/argument 'a'.*m\*k = 6/);
    await expect(K('gemm')(32, a, b, 2, 3, 4, new Uint32Array(7))).rejects.toThrow(/argument 'out'.*m\*n = 8/);
    await expect(K('gemm')(32, a, new BigUint64Array(12), 2, 3, 4)).rejects.toThrow(TypeError);
    await expect(K('gemm')(16, new Uint16Array(6), new Uint16Array(12), 2, 3, 4)).rejects.toThrow(/l=16/);
    await expect(K('gemm')(32, a, b, 2, -3, 4)).rejects.toThrow(/dimension 'k'/);
    await expect(K('gemm')(32, a, b, 2, 3.5, 4)).rejects.toThrow(RangeError);
    await expect(K('gemm')(32, a, b, 2, 3, 2 ** 60)).rejects.toThrow(RangeError);
    await expect(K('gemmPm1')(32, a, new BigUint64Array(3), 2, 3, 4)).rejects.toThrow(/argument 'bPacked'.*= 4/);
    await expect(K('gemmPm1')(32, a, new Uint32Array(8), 2, 3, 4)).rejects.toThrow(TypeError);
    await expect(K('gemmPm1')(64, a, new BigUint64Array(4), 2, 3, 4)).rejects.toThrow(/argument 'x' must be a BigUint64Array/);
  });

  it('gathers: table kind and size, bits range, index kind', async () => {
    const t = new Uint32Array(256), idx = new Uint8Array(10);
    await expect(K('gatherShared')(t, 25, idx)).rejects.toThrow(RangeError);
    await expect(K('gatherShared')(t, 25, idx)).rejects.toThrow(/bits=25/);
    await expect(K('gatherShared')(t, 0, idx)).rejects.toThrow(RangeError);
    await expect(K('gatherShared')(t, 7, idx)).rejects.toThrow(/argument 'table'.*2\^bits = 128/);
    await expect(K('gatherShared')(new Int32Array(256), 8, idx)).rejects.toThrow(TypeError);
    await expect(K('gatherShared')(t, 8, new Int8Array(10))).rejects.toThrow(/argument 'idx'/);
    await expect(K('gatherShared')(t, 8, idx, new Uint32Array(9))).rejects.toThrow(/argument 'out'/);
    await expect(K('gatherShared')(t, 8, idx, new Uint8Array(10))).rejects.toThrow(TypeError);
    await expect(K('gatherPerElement')(t, 8, idx)).rejects.toThrow(/argument 'tables'.*= 2560/);
  });

  it('prgFill: key, iv and out', async () => {
    const k = new Uint8Array(16), out = new Uint8Array(8);
    await expect(K('prgFill')(new Uint8Array(15), k, out)).rejects.toThrow(/argument 'key' must be 16 bytes/);
    await expect(K('prgFill')(k, new Uint8Array(17), out)).rejects.toThrow(/argument 'iv'/);
    await expect(K('prgFill')(k, k, new Uint16Array(4))).rejects.toThrow(TypeError);
    await expect(K('prgFill')(k, k, undefined)).rejects.toThrow(/argument 'out'/);
  });

  it('configure rejects bad options and the process is still alive', () => {
    expect(() => addon.configure({ simd: 'avx9000' as 'avx2' })).toThrow(RangeError);
    expect(() => addon.configure({ threads: 0 })).toThrow(RangeError);
    expect(native.binary('add', 8, new Uint8Array([250]), new Uint8Array([10]))[0]).toBe(4);
  });
});
