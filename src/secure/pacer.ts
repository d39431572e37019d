/**
 * Streamed offline/online (large shapes): the offline material of a whole
 * BERT-base forward (~5 GB per layer per compute party at T = 128) does not
 * fit in memory, so the phases alternate at the program's flush points:
 * offline segment 0, online segment 0, offline segment 1, online segment 1, …
 * Segment k is the code between flush k−1 and flush k; online segment k
 * starts only once offline segment k is flushed, and offline segment k+1 only
 * once online segment k is done, so the two phases never overlap and each
 * party sums its busy time per phase. Every offline dealing still happens
 * before the online step that consumes it and depends on no input value.
 *
 * P1 and P2 run both phases in one process and pace them with promises, and
 * tell each other when a segment's material is ready (one byte each way) so
 * they start each online segment together. P0
 * has no online phase: P2 tells it where the online phase is with one byte
 * per segment (tag "sync#k", phase offline, label 'sync'); P0 waits for it
 * before dealing the next segment.
 */
import type { Party } from '../mpc/party.js';
import { onlineTrace, type OnlineTrace } from './online-trace.js';

export class Pacer {
  private offDone = 0;
  private onDone = 0;
  private waiters: { ok: () => boolean; resolve: () => void }[] = [];
  private offStart = performance.now();
  private onStart = 0;
  /** Busy time of each phase (ms). */
  offlineMs = 0;
  onlineMs = 0;
  private readonly trace: OnlineTrace;

  constructor(readonly party: Party) {
    this.trace = onlineTrace(party.id);
  }

  private wake(): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) (w.ok() ? w.resolve : () => keep.push(w))();
    this.waiters = keep;
  }

  private until(ok: () => boolean): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ ok, resolve }));
  }

  /** Offline engine, right after flush k: wait until online segment k is done. */
  async offlineFlushed(): Promise<void> {
    const k = this.offDone++;
    this.offlineMs += performance.now() - this.offStart;
    this.wake();
    if (this.party.id === 'P0') await this.party.recv('P2', `sync#${k}`, { phase: 'offline', label: 'sync' });
    else await this.until(() => this.onDone > k);
    this.offStart = performance.now();
  }

  /** Offline program finished: nothing left to wait for. */
  offlineEnd(): void {
    this.offDone = Number.POSITIVE_INFINITY;
    this.wake();
  }

  /**
   * P1 and P2 start an online segment together (one byte each way, phase
   * offline, label 'sync'), so neither's online time includes the other's
   * offline work.
   */
  private async together(k: number): Promise<void> {
    const peer = this.party.id === 'P1' ? 'P2' : 'P1';
    const at = { phase: 'offline' as const, label: 'sync' };
    this.party.send(peer, `ready#${k}`, [new Uint8Array(1)], at);
    await this.party.recv(peer, `ready#${k}`, at);
  }

  /** Online engine, before its first step. */
  async onlineBegin(): Promise<void> {
    await this.until(() => this.offDone > 0);
    await this.together(0);
    this.onStart = performance.now();
    this.trace('S');
  }

  /** Online engine at flush point k: segment k done; wait for offline segment k+1. */
  async onlineReached(): Promise<void> {
    const k = this.onDone++;
    this.onlineMs += performance.now() - this.onStart;
    this.trace('E');
    if (this.party.id === 'P2') this.party.send('P0', `sync#${k}`, [new Uint8Array(1)], { phase: 'offline', label: 'sync' });
    this.wake();
    await this.until(() => this.offDone > k + 1);
    if (this.offDone !== Number.POSITIVE_INFINITY) await this.together(k + 1);
    this.onStart = performance.now();
    this.trace('S');
  }

  /** Online program finished. */
  onlineEnd(): void {
    this.onlineMs += performance.now() - this.onStart;
    this.trace('E');
  }
}
