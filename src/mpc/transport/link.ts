/**
 * A framed, ordered, bidirectional message link between two parties over any
 * byte pipe (in-process, TCP, TLS).
 *
 * - `send(tag, parts)` writes one frame whose payload is the concatenation of
 *   `parts`, without copying them on TCP/TLS: ownership of the arrays passes
 *   to the link (the caller must not modify them afterwards).
 * - `recv(tag)` resolves with the next frame's payload; the frame's tag must
 *   equal `tag` (deterministic protocol counters fix the order), else
 *   ProtocolError naming the peer and both tags. It rejects with TimeoutError
 *   when nothing arrives within `timeoutMs`, and with PeerError when the peer
 *   is gone.
 * - A clean shutdown sends a `BYE` frame before closing the stream; a stream
 *   that ends without it (killed process, reset) is a disconnect.
 * - Any failure (malformed or oversized frame, short read, disconnect,
 *   timeout, wrong tag) marks the link failed, rejects every pending receive,
 *   destroys the stream and is reported once to `onFail`, so the owning party
 *   can abort its other links and nothing waits forever.
 */
import { PeerError, ProtocolError, TimeoutError } from '../../errors.js';
import { DEFAULT_MAX_FRAME, encodeHeader, FrameParser, type Frame } from './frame.js';
import { Shaper, type NetShape } from './shaping.js';

export type LinkKind = 'inproc' | 'tcp' | 'tls';

/** Tag of the goodbye frame of a clean shutdown. */
export const BYE = '__bye';

/** A reliable ordered byte stream to one peer. */
export interface BytePipe {
  readonly kind: LinkKind;
  write(parts: Uint8Array[]): void;
  /** Start delivering data; onClose is called once when the stream ends. */
  start(onData: (chunk: Uint8Array) => void, onClose: (err?: Error) => void): void;
  /** Flush pending writes, then close. */
  end(): void;
  /** Close now, dropping pending writes (idempotent). */
  destroy(): void;
}

export interface LinkOptions {
  /** Longest wait for one message, in ms (default 30 000). */
  timeoutMs?: number;
  /** Largest accepted payload in bytes (default 1 GiB). */
  maxFrameBytes?: number;
  /** Delay each outgoing message by latency + size/bandwidth. */
  shaping?: NetShape;
}

interface Waiter {
  tag: string;
  resolve: (p: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class Link {
  readonly timeoutMs: number;
  readonly maxFrameBytes: number;
  readonly shaping: NetShape | undefined;
  private readonly frames: Frame[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly parser: FrameParser;
  private readonly shaper: Shaper | undefined;
  private error: Error | undefined;
  private closedLocally = false;
  private byeReceived = false;
  private streamEnded = false;
  private failHandlers: ((e: Error) => void)[] = [];
  private endWaiters: (() => void)[] = [];
  private settleDone!: { resolve: () => void; reject: (e: Error) => void };
  /** Resolves when the session on this link ended cleanly (BYE and end of stream); rejects with the link's failure. */
  readonly done: Promise<void>;

  constructor(
    readonly self: string,
    readonly peer: string,
    private readonly pipe: BytePipe,
    opts: LinkOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME;
    this.shaping = opts.shaping;
    this.shaper = opts.shaping ? new Shaper(opts.shaping) : undefined;
    this.parser = new FrameParser(peer, this.maxFrameBytes, (f) => this.onFrame(f));
    this.done = new Promise<void>((resolve, reject) => {
      this.settleDone = { resolve, reject };
    });
    this.done.catch(() => undefined);
    pipe.start(
      (chunk) => {
        if (this.error) return;
        try {
          this.parser.push(chunk);
        } catch (e) {
          this.fail(e instanceof Error ? e : new ProtocolError(String(e)));
        }
      },
      (err) => this.onStreamEnd(err),
    );
  }

  get kind(): LinkKind {
    return this.pipe.kind;
  }

  /** The error that failed this link, if any. */
  get failed(): Error | undefined {
    return this.error;
  }

  /** Called once with the first error of this link. */
  onFail(cb: (e: Error) => void): void {
    this.failHandlers.push(cb);
  }

  /** Send one frame; returns the bytes on the wire (header + tag + payload). */
  send(tag: string, parts: readonly Uint8Array[]): number {
    if (this.error) throw this.error;
    if (this.closedLocally) throw new PeerError(`link to ${this.peer} is closed`, this.peer);
    let n = 0;
    for (const p of parts) n += p.byteLength;
    if (n > this.maxFrameBytes) throw new ProtocolError(`frame '${tag}' to ${this.peer} is ${n} bytes, over the limit ${this.maxFrameBytes}`);
    const all = [encodeHeader(tag, n)];
    for (const p of parts) if (p.byteLength > 0) all.push(p);
    const wire = all[0]!.byteLength + n;
    if (this.shaper) this.shaper.schedule(wire, () => this.error === undefined && this.pipe.write(all));
    else this.pipe.write(all);
    return wire;
  }

  /** Fault injection for tests: write raw bytes to the stream, bypassing framing. */
  writeRawForTest(bytes: Uint8Array): void {
    this.pipe.write([bytes]);
  }

  /** The next frame's payload; its tag must be `tag`. */
  recv(tag: string): Promise<Uint8Array> {
    if (this.error) return Promise.reject(this.error);
    const f = this.frames.shift();
    if (f) {
      try {
        return Promise.resolve(this.check(f, tag));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    if (this.byeReceived || this.streamEnded || this.closedLocally) {
      const e = this.goneError(tag);
      this.fail(e);
      return Promise.reject(e);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const w: Waiter = { tag, resolve, reject, timer: undefined };
      if (this.timeoutMs > 0 && Number.isFinite(this.timeoutMs)) {
        w.timer = setTimeout(() => {
          this.fail(new TimeoutError(`${this.self}: timed out after ${this.timeoutMs} ms waiting for '${tag}' from ${this.peer}`, this.peer));
        }, this.timeoutMs);
      }
      this.waiters.push(w);
    });
  }

  private goneError(tag: string): PeerError {
    const how = this.closedLocally ? 'the link was closed locally' : this.byeReceived ? `${this.peer} ended the session` : `${this.peer} disconnected`;
    return new PeerError(`${this.self}: cannot receive '${tag}' from ${this.peer}: ${how}`, this.peer);
  }

  private check(f: Frame, tag: string): Uint8Array {
    if (f.tag !== tag) {
      const e = new ProtocolError(`${this.self}: unexpected message from ${this.peer}: got tag '${f.tag}', expected '${tag}'`);
      this.fail(e);
      throw e;
    }
    return f.payload;
  }

  private onFrame(f: Frame): void {
    if (f.tag === BYE) {
      this.byeReceived = true;
      const w = this.waiters[0];
      if (w) this.fail(this.goneError(w.tag));
      return;
    }
    if (this.byeReceived) {
      this.fail(new ProtocolError(`${this.self}: ${this.peer} sent '${f.tag}' after ending the session`));
      return;
    }
    const w = this.waiters.shift();
    if (!w) {
      this.frames.push(f);
      return;
    }
    if (w.timer) clearTimeout(w.timer);
    try {
      w.resolve(this.check(f, w.tag));
    } catch (e) {
      w.reject(e as Error);
    }
  }

  private onStreamEnd(err?: Error): void {
    this.streamEnded = true;
    for (const r of this.endWaiters.splice(0)) r();
    if (this.error) return;
    if (this.byeReceived || this.closedLocally) this.settleDone.resolve();
    if (this.closedLocally) return;
    if (this.parser.pending > 0) {
      const t = this.parser.partialTag;
      this.fail(new PeerError(`${this.self}: short read from ${this.peer}: the stream ended inside frame${t === undefined ? ' header' : ` '${t}'`} (${this.parser.pending} bytes of it received)`, this.peer, { cause: err }));
      return;
    }
    if (!this.byeReceived) {
      this.fail(new PeerError(`${this.self}: ${this.peer} disconnected${err ? ` (${err.message})` : ''}`, this.peer, { cause: err }));
    }
  }

  /** Mark the link failed with `e`, reject waiters, destroy the stream, tell onFail handlers. */
  fail(e: Error): void {
    if (this.error) return;
    this.error = e;
    for (const w of this.waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(e);
    }
    this.shaper?.cancel();
    this.pipe.destroy();
    this.settleDone.reject(e);
    for (const h of this.failHandlers) h(e);
  }

  /**
   * Clean shutdown: wait until shaped messages are out, send BYE, end the
   * stream and wait (at most `graceMs`) for the peer to end its side.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.error || this.closedLocally) return;
    if (this.streamEnded) {
      this.closedLocally = true;
      return;
    }
    if (this.shaper) await this.shaper.drained();
    if (this.error) return;
    this.send(BYE, []);
    this.closedLocally = true;
    if (this.shaper) await this.shaper.drained();
    for (const w of this.waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(this.goneError(w.tag));
    }
    this.pipe.end();
    if (!this.streamEnded) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.pipe.destroy();
          resolve();
        }, graceMs);
        this.endWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
