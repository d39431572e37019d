import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { parseSafetensors, readSafetensors, writeSafetensors } from '../../src/model/safetensors.js';

function build(header: Record<string, unknown>, data: Buffer): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

describe('safetensors reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lutmpc-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips float32 tensors written by the writer', () => {
    const p = join(dir, 'a.safetensors');
    writeSafetensors(p, [
      { name: 'x', shape: [2, 3], data: [1, -2, 3.5, 0, 1e-3, -7] },
      { name: 'y', shape: [1], data: [42] },
    ]);
    const t = readSafetensors(p);
    expect(t.get('x')!.shape).toEqual([2, 3]);
    expect(Array.from(t.get('x')!.data)).toEqual([1, -2, 3.5, 0, Math.fround(1e-3), -7]);
    expect(Array.from(t.get('y')!.data)).toEqual([42]);
  });

  it('decodes F16 and BF16', () => {
    const f16 = Buffer.alloc(6);
    f16.writeUInt16LE(0x3c00, 0); // 1
    f16.writeUInt16LE(0xc000, 2); // -2
    f16.writeUInt16LE(0x0001, 4); // smallest subnormal
    const bf = Buffer.alloc(4);
    bf.writeUInt16LE(0x3fc0, 0); // 1.5
    bf.writeUInt16LE(0xc120, 2); // -10
    const buf = build(
      { a: { dtype: 'F16', shape: [3], data_offsets: [0, 6] }, b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] } },
      Buffer.concat([f16, bf]),
    );
    const t = parseSafetensors(buf);
    expect(Array.from(t.get('a')!.data)).toEqual([1, -2, 2 ** -24]);
    expect(Array.from(t.get('b')!.data)).toEqual([1.5, -10]);
  });

  it('rejects truncated files, bad offsets and unsupported dtypes with FormatError', () => {
    const p = join(dir, 'b.safetensors');
    writeSafetensors(p, [{ name: 'w', shape: [4, 4], data: new Array(16).fill(1) }]);
    const full = readFileSync(p);
    expect(() => parseSafetensors(full.subarray(0, full.length - 4), 'cut')).toThrow(/'w' ends at byte 64 of a 60-byte data section/);
    expect(() => parseSafetensors(full.subarray(0, 5), 'tiny')).toThrow(FormatError);
    expect(() => parseSafetensors(full.subarray(0, 20), 'hdr')).toThrow(/header length/);
    expect(() => parseSafetensors(build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)))).toThrow(/spans 8 bytes but F32\[3\] needs 12/);
    expect(() => parseSafetensors(build({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)))).toThrow(/dtype I64/);
    expect(() => parseSafetensors(build({ w: null }, Buffer.alloc(8)), 'n')).toThrow(/n: tensor 'w' has no \{dtype, shape, data_offsets\} entry \(got null\)/);
    expect(() => parseSafetensors(build({ w: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, Buffer.alloc(8)))).toThrow(/data_offsets \[8, 4\] that end before they begin/);
    const two = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expect(() => parseSafetensors(build(two, Buffer.alloc(12)), 'ov')).toThrow(/ov: tensors 'a' and 'b' overlap/);
    const bad = join(dir, 'c.safetensors');
    writeFileSync(bad, Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{oops')]));
    expect(() => readSafetensors(bad)).toThrow(/not valid JSON/);
    expect(() => readSafetensors(join(dir, 'missing.safetensors'))).toThrow(FormatError);
  });
});
