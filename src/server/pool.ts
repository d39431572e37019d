/**
 * The compute party's pool of pre-dealt sessions. Each item is the complete
 * offline material of one forward of T tokens, dealt by P0 under a fresh
 * dealing connection (fresh pairwise seeds, so fresh masks), stored under
 * the id P0 gave it. An item is consumed exactly once: `take` moves it to
 * the consumed set and any later request for the same id is refused with a
 * ProtocolError, so no two sessions can ever share material.
 */
import { ProtocolError, TimeoutError } from '../errors.js';
import type { MaterialStore } from '../mpc/material.js';

export interface PoolItem {
  id: string;
  epoch: string;
  T: number;
  store: MaterialStore;
}

export class MaterialPool {
  private readonly ready = new Map<string, PoolItem>();
  private readonly consumed = new Set<string>();
  private readonly waiting = new Map<number, number>();
  /** Lengths of the sessions waiting for material, oldest first (the dealer serves them in this order). */
  private readonly queue: { T: number }[] = [];
  private readonly recent: number[] = [];
  private wakers: (() => void)[] = [];
  /** Number of items ever taken (for metrics and the reuse checks). */
  takenCount = 0;

  constructor(private readonly maxRecent = 8) {}

  add(item: PoolItem): void {
    if (this.consumed.has(item.id) || this.ready.has(item.id)) throw new ProtocolError(`material '${item.id}' was already dealt here: refused (no reuse)`);
    this.ready.set(item.id, item);
    for (const w of this.wakers.splice(0)) w();
  }

  /** Take one item by id (P2: the id P1 chose). Refuses unknown and consumed ids. */
  take(id: string, T: number): PoolItem {
    if (this.consumed.has(id)) throw new ProtocolError(`material '${id}' was already consumed by another session: refused (no reuse)`);
    const it = this.ready.get(id);
    if (!it) throw new ProtocolError(`material '${id}' is unknown here`);
    if (it.T !== T) throw new ProtocolError(`material '${id}' was dealt for ${it.T} tokens, not ${T}`);
    this.ready.delete(id);
    this.consumed.add(id);
    this.takenCount++;
    return it;
  }

  /** Whether an item of length T and this epoch is ready now. */
  hasReady(T: number, epoch: string): boolean {
    for (const it of this.ready.values()) if (it.T === T && it.epoch === epoch) return true;
    return false;
  }

  hasConsumed(id: string): boolean {
    return this.consumed.has(id);
  }

  /** Drop an item without using it (e.g. P2 lacks its half). It counts as consumed. */
  discard(id: string): void {
    if (this.ready.delete(id)) this.consumed.add(id);
  }

  private note(T: number): void {
    const i = this.recent.indexOf(T);
    if (i >= 0) this.recent.splice(i, 1);
    this.recent.unshift(T);
    if (this.recent.length > this.maxRecent) this.recent.pop();
  }

  /**
   * P1: take any ready item of length T, waiting up to `waitMs` for one
   * (calling `onMiss` once so the dealer deals one now); `cancelled()`
   * returning a reason ends the wait early.
   */
  async acquire(T: number, waitMs: number, onMiss: () => void, epoch: string, cancelled?: () => string | undefined): Promise<PoolItem> {
    this.note(T);
    const deadline = Date.now() + waitMs;
    let missed = false;
    this.waiting.set(T, (this.waiting.get(T) ?? 0) + 1);
    const ticket = { T };
    this.queue.push(ticket);
    try {
      for (;;) {
        // Before taking: material handed to a request nobody waits for any more is wasted.
        const why = cancelled?.();
        if (why) throw new ProtocolError(why);
        for (const it of this.ready.values()) if (it.T === T && it.epoch === epoch) return this.take(it.id, T);
        if (!missed) {
          missed = true;
          onMiss();
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new TimeoutError(`no offline material for ${T} tokens within ${waitMs} ms (is the dealer running?)`, 'P0');
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(left, 1000));
          this.wakers.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    } finally {
      this.queue.splice(this.queue.indexOf(ticket), 1);
      const n = (this.waiting.get(T) ?? 1) - 1;
      if (n > 0) this.waiting.set(T, n);
      else this.waiting.delete(T);
    }
  }

  /** Drop every ready item (a new deployment makes them useless). */
  clear(): void {
    for (const id of this.ready.keys()) this.consumed.add(id);
    this.ready.clear();
    for (const w of this.wakers.splice(0)) w();
  }

  /** Wake waiters (shutdown). */
  wakeAll(): void {
    for (const w of this.wakers.splice(0)) w();
  }

  status(): { ready: Record<string, number>; waiting: Record<string, number>; queue: number[]; recent: number[]; readyItems: number; consumed: number } {
    const ready: Record<string, number> = {};
    for (const it of this.ready.values()) ready[it.T] = (ready[it.T] ?? 0) + 1;
    const waiting: Record<string, number> = {};
    for (const [T, n] of this.waiting) waiting[T] = n;
    return { ready, waiting, queue: this.queue.map((q) => q.T), recent: [...this.recent], readyItems: this.ready.size, consumed: this.consumed.size };
  }
}
