/**
 * Minimal safetensors reader/writer (own implementation, no dependency).
 *
 * Layout: u64 little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {...} }`,
 * then the data section; offsets are relative to its start. Every tensor's
 * offsets are checked against the file size and against its dtype × shape,
 * so a truncated or inconsistent file is a FormatError naming the tensor,
 * never an out-of-range read later.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { FormatError } from '../errors.js';

/** Float dtypes we decode to float32/float64 values. */
export type SafeDtype = 'F32' | 'F16' | 'BF16' | 'F64';
const DTYPE_BYTES: Record<SafeDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export interface SafeTensor {
  name: string;
  dtype: SafeDtype;
  shape: number[];
  /** Values widened to float64 (exact for every supported dtype). */
  data: Float64Array;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Decode one tensor's bytes (little-endian) into float64. */
function decode(dtype: SafeDtype, bytes: Buffer, count: number): Float64Array {
  const out = new Float64Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      break;
    case 'BF16': {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        tmp.setUint32(0, dv.getUint16(2 * i, true) << 16, true);
        out[i] = tmp.getFloat32(0, true);
      }
      break;
    }
  }
  return out;
}

/** Parse a safetensors buffer. `source` names the file in error messages. */
export function parseSafetensors(buf: Buffer, source = 'safetensors'): Map<string, SafeTensor> {
  if (buf.length < 8) throw new FormatError(`${source}: file is ${buf.length} bytes, too short for a safetensors header`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(buf.length - 8)) throw new FormatError(`${source}: header length ${n} exceeds the file size ${buf.length} (truncated file?)`);
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  } catch (e) {
    throw new FormatError(`${source}: header is not valid JSON`, { cause: e });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new FormatError(`${source}: header is not a JSON object`);
  const base = 8 + headerLen;
  const dataLen = buf.length - base;
  const out = new Map<string, SafeTensor>();
  const spans: [number, number, string][] = [];
  for (const [name, infoRaw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    if (typeof infoRaw !== 'object' || infoRaw === null || Array.isArray(infoRaw)) throw new FormatError(`${source}: tensor '${name}' has no {dtype, shape, data_offsets} entry (got ${JSON.stringify(infoRaw)})`);
    const info = infoRaw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      throw new FormatError(`${source}: tensor '${name}' has dtype ${String(dtype)}; supported: F32, F16, BF16, F64`);
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new FormatError(`${source}: tensor '${name}' has an invalid shape`);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new FormatError(`${source}: tensor '${name}' has invalid data_offsets`);
    }
    const [b, e] = offs as [number, number];
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    const bytes = count * DTYPE_BYTES[dtype as SafeDtype];
    if (e < b) throw new FormatError(`${source}: tensor '${name}' has data_offsets [${b}, ${e}] that end before they begin`);
    if (e - b !== bytes) throw new FormatError(`${source}: tensor '${name}' spans ${e - b} bytes but ${dtype}${JSON.stringify(shape)} needs ${bytes}`);
    if (e > dataLen) throw new FormatError(`${source}: tensor '${name}' ends at byte ${e} of a ${dataLen}-byte data section (truncated file?)`);
    spans.push([b, e, name]);
    out.set(name, { name, dtype: dtype as SafeDtype, shape: shape as number[], data: decode(dtype as SafeDtype, buf.subarray(base + b, base + e), count) });
  }
  // Two tensors over the same bytes would each read the other's values.
  spans.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) {
    const [, pe, pn] = spans[i - 1]!, [b, , n] = spans[i]!;
    if (b < pe) throw new FormatError(`${source}: tensors '${pn}' and '${n}' overlap (bytes ${b}..${pe})`);
  }
  return out;
}

export function readSafetensors(path: string): Map<string, SafeTensor> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new FormatError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseSafetensors(buf, path);
}

/** Write float32 tensors (used by the random-model generator and tests). */
export function writeSafetensors(path: string, tensors: { name: string; shape: number[]; data: ArrayLike<number> }[]): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  header['__metadata__'] = { format: 'pt' };
  let h = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (h.length % 8)) % 8;
  h = Buffer.concat([h, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + h.length + off);
  out.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(out, 8);
  let p = 8 + h.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++) out.writeFloatLE(t.data[i]!, p + 4 * i);
    p += t.data.length * 4;
  }
  writeFileSync(path, out);
}
