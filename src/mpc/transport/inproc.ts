/**
 * In-process byte pipes for tests and single-process runs. Messages are still
 * serialized: every write is copied into one byte buffer and decoded by the
 * same frame parser as TCP, so byte counts and framing errors are identical.
 */
import { concatArrays } from '../../kernels/types.js';
import type { BytePipe } from './link.js';

class InprocEnd implements BytePipe {
  readonly kind = 'inproc' as const;
  other!: InprocEnd;
  private onData: ((c: Uint8Array) => void) | undefined;
  private onClose: ((err?: Error) => void) | undefined;
  private early: Uint8Array[] = [];
  private closed = false;
  private ended = false;

  write(parts: Uint8Array[]): void {
    if (this.closed || this.ended) return;
    const buf = concatArrays(parts, Uint8Array);
    const to = this.other;
    setImmediate(() => to.deliver(buf));
  }

  private deliver(buf: Uint8Array): void {
    if (this.closed) return;
    if (this.onData) this.onData(buf);
    else this.early.push(buf);
  }

  start(onData: (c: Uint8Array) => void, onClose: (err?: Error) => void): void {
    this.onData = onData;
    this.onClose = onClose;
    for (const b of this.early.splice(0)) onData(b);
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    const cb = this.onClose;
    this.onClose = undefined;
    cb?.();
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    // After data already queued: both directions close (no half-open).
    setImmediate(() => {
      this.other.closeNow();
      this.closeNow();
    });
  }

  destroy(): void {
    if (this.closed) return;
    this.ended = true;
    this.closed = true;
    this.onClose = undefined;
    const o = this.other;
    setImmediate(() => o.closeNow());
  }
}

/** Two connected in-process pipe ends. */
export function inprocPipePair(): [BytePipe, BytePipe] {
  const a = new InprocEnd();
  const b = new InprocEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}
