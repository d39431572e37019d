/**
 * Wire framing. Every message is one frame:
 *
 *   offset 0  u32 LE  magic 0x43504d4c ("LMPC")
 *          4  u16 LE  tag length t (1 ≤ t ≤ 1024)
 *          6  u16 LE  0 (reserved)
 *          8  u32 LE  payload length p (≤ the link's maxFrameBytes)
 *         12  t bytes tag (UTF-8): deterministic "protocol#counter"
 *     12 + t  p bytes payload (typed-array bytes, little-endian as in memory)
 *
 * The parser copies each payload once into a fresh, 8-byte aligned buffer so
 * it can be viewed as any ring array without a further copy.
 */
import { ProtocolError } from '../../errors.js';
import { allocRingUninit } from '../../kernels/types.js';

export const FRAME_MAGIC = 0x43504d4c;
export const HEADER_BYTES = 12;
export const MAX_TAG_BYTES = 1024;
/** Default limit on one payload: 1 GiB. */
export const DEFAULT_MAX_FRAME = 1 << 30;

export interface Frame {
  tag: string;
  payload: Uint8Array;
}

/** Header bytes for a frame (the payload parts are written after it as they are). */
export function encodeHeader(tag: string, payloadBytes: number): Uint8Array {
  const tagBytes = Buffer.from(tag, 'utf8');
  if (tagBytes.length === 0 || tagBytes.length > MAX_TAG_BYTES) throw new ProtocolError(`frame tag '${tag}' must be 1..${MAX_TAG_BYTES} bytes`);
  if (payloadBytes > 0xffffffff) throw new ProtocolError(`frame '${tag}' payload of ${payloadBytes} bytes exceeds the 4 GiB frame format`);
  const h = new Uint8Array(HEADER_BYTES + tagBytes.length);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, FRAME_MAGIC, true);
  dv.setUint16(4, tagBytes.length, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, payloadBytes, true);
  h.set(tagBytes, HEADER_BYTES);
  return h;
}

/** Incremental frame decoder for one byte stream from one peer. */
export class FrameParser {
  private head = new Uint8Array(HEADER_BYTES + MAX_TAG_BYTES);
  private headFill = 0;
  private tagLen = -1;
  private payload: Uint8Array | undefined;
  private payloadFill = 0;
  private tag = '';

  constructor(
    private readonly peer: string,
    private readonly maxFrameBytes: number,
    private readonly onFrame: (f: Frame) => void,
  ) {}

  /** Tag of the frame being received, when its header is complete. */
  get partialTag(): string | undefined {
    return this.payload !== undefined ? this.tag : undefined;
  }

  /** Bytes of a partially received frame (0 between frames). */
  get pending(): number {
    return this.headFill + this.payloadFill;
  }

  /** Feed bytes; calls onFrame for each completed frame; throws ProtocolError on a malformed frame. */
  push(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.payload === undefined) {
        // Header: fixed part first, then the tag.
        const want = this.tagLen < 0 ? HEADER_BYTES : HEADER_BYTES + this.tagLen;
        const take = Math.min(want - this.headFill, chunk.length - off);
        this.head.set(chunk.subarray(off, off + take), this.headFill);
        this.headFill += take;
        off += take;
        if (this.headFill < want) return;
        if (this.tagLen < 0) {
          const dv = new DataView(this.head.buffer, 0, HEADER_BYTES);
          const magic = dv.getUint32(0, true);
          if (magic !== FRAME_MAGIC) {
            throw new ProtocolError(`malformed frame from ${this.peer}: bad magic 0x${magic.toString(16).padStart(8, '0')} (expected 0x${FRAME_MAGIC.toString(16)})`);
          }
          const t = dv.getUint16(4, true);
          if (t === 0 || t > MAX_TAG_BYTES || dv.getUint16(6, true) !== 0) {
            throw new ProtocolError(`malformed frame from ${this.peer}: tag length ${t} out of range 1..${MAX_TAG_BYTES}`);
          }
          this.tagLen = t;
          continue;
        }
        const dv = new DataView(this.head.buffer, 0, HEADER_BYTES);
        const p = dv.getUint32(8, true);
        this.tag = Buffer.from(this.head.buffer, HEADER_BYTES, this.tagLen).toString('utf8');
        if (p > this.maxFrameBytes) {
          throw new ProtocolError(`oversized frame from ${this.peer} (tag '${this.tag}'): ${p} bytes > limit ${this.maxFrameBytes}`);
        }
        // Written whole before it is emitted: no zero fill. Large payloads (offline corrections) get the huge-page advice.
        this.payload = allocRingUninit(8, p);
        this.payloadFill = 0;
        if (p === 0) this.emit();
        continue;
      }
      const take = Math.min(this.payload.length - this.payloadFill, chunk.length - off);
      this.payload.set(chunk.subarray(off, off + take), this.payloadFill);
      this.payloadFill += take;
      off += take;
      if (this.payloadFill === this.payload.length) this.emit();
    }
  }

  private emit(): void {
    const f: Frame = { tag: this.tag, payload: this.payload! };
    this.payload = undefined;
    this.payloadFill = 0;
    this.headFill = 0;
    this.tagLen = -1;
    this.onFrame(f);
  }
}
