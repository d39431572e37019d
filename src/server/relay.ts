/**
 * A party link whose far end is carried by HTTP requests rather than a
 * socket: the compute parties' link to the client C, and the client's links
 * to P1 and P2. It is a BytePipe for the runtime's `Link`, so the protocol
 * code (seeds, client input, output) runs unchanged on both sides.
 *
 * - Frames this side's Party sends are parsed and queued in `outbox` (a BYE
 *   frame marks the end of the session instead).
 * - `inject(messages)` delivers the far end's messages to the Party.
 * - `settled()` resolves when this side closed the link cleanly (session
 *   done) and rejects when it was destroyed (session failed).
 */
import { ProtocolError } from '../errors.js';
import { encodeHeader, FrameParser } from '../mpc/transport/frame.js';
import { BYE, type BytePipe } from '../mpc/transport/link.js';

export interface RelayMessage {
  tag: string;
  data: Uint8Array;
}

export class RelayPipe implements BytePipe {
  readonly kind = 'inproc' as const;
  readonly outbox: RelayMessage[] = [];
  private onData: ((c: Uint8Array) => void) | undefined;
  private onClose: ((err?: Error) => void) | undefined;
  private early: Uint8Array[] = [];
  private readonly parser: FrameParser;
  private listeners: (() => void)[] = [];
  private state: 'open' | 'ended' | 'failed' = 'open';
  private failure: Error | undefined;

  constructor(
    readonly peer: string,
    maxFrameBytes = 0xffffffff,
  ) {
    this.parser = new FrameParser(`local side of ${peer}`, maxFrameBytes, (f) => {
      if (f.tag !== BYE) this.outbox.push({ tag: f.tag, data: f.payload });
      this.wake();
    });
  }

  private wake(): void {
    for (const l of this.listeners.splice(0)) l();
  }

  write(parts: Uint8Array[]): void {
    if (this.state !== 'open') return;
    for (const p of parts) this.parser.push(p);
  }

  start(onData: (c: Uint8Array) => void, onClose: (err?: Error) => void): void {
    this.onData = onData;
    this.onClose = onClose;
    for (const b of this.early.splice(0)) onData(b);
  }

  /** Deliver the far end's messages (in order) to the local Party. */
  inject(msgs: readonly RelayMessage[]): void {
    if (this.state !== 'open') throw new ProtocolError(`the session link to ${this.peer} is already closed`);
    for (const m of msgs) {
      const h = encodeHeader(m.tag, m.data.byteLength);
      const buf = new Uint8Array(h.byteLength + m.data.byteLength);
      buf.set(h);
      buf.set(m.data, h.byteLength);
      if (this.onData) this.onData(buf);
      else this.early.push(buf);
    }
  }

  /** Take every queued outgoing message. */
  drain(): RelayMessage[] {
    return this.outbox.splice(0);
  }

  /** Wait until `pred()` holds (checked after every outgoing frame) or the link ends. */
  async until(pred: () => boolean): Promise<void> {
    while (!pred()) {
      if (this.state === 'failed') throw this.failure!;
      if (this.state === 'ended') throw new ProtocolError(`the session link to ${this.peer} ended before the expected message`);
      await new Promise<void>((r) => this.listeners.push(r));
    }
  }

  /** Resolves when the local Party closed the link cleanly; rejects with the failure otherwise. */
  async settled(): Promise<void> {
    while (this.state === 'open') await new Promise<void>((r) => this.listeners.push(r));
    if (this.state === 'failed') throw this.failure!;
  }

  /** Fail the far end (e.g. the HTTP client went away). */
  fail(e: Error): void {
    if (this.state !== 'open') return;
    this.failure = e;
    this.state = 'failed';
    const cb = this.onClose;
    this.onClose = undefined;
    cb?.(e);
    this.wake();
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    const cb = this.onClose;
    this.onClose = undefined;
    setImmediate(() => cb?.());
    this.wake();
  }

  destroy(): void {
    if (this.state !== 'open') return;
    this.failure = new ProtocolError(`the session link to ${this.peer} was aborted`);
    this.state = 'failed';
    this.onClose = undefined;
    this.wake();
  }
}

export function toWire(m: RelayMessage): { tag: string; data: string } {
  return { tag: m.tag, data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('base64') };
}

export function fromWire(m: { tag: string; data: string }): RelayMessage {
  const b = Buffer.from(m.data, 'base64');
  return { tag: m.tag, data: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
}
