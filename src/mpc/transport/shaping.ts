/**
 * Network shaping and network-time estimates.
 *
 * Shaping (real): each message on a link is delivered after it has been
 * serialised onto the link (size / bandwidth, one message after another) plus
 * the one-way latency, as on a real link of that bandwidth and latency. It is
 * applied at the sender, so loopback runs take the time a LAN or WAN would.
 *
 * Estimate (computed): from measured counts only,
 *   time(party) = rounds · latency + max(bytesSent, bytesRecv) · 8 / bandwidth
 * (full-duplex links: a party's sending and receiving overlap), and the
 * protocol's time is the maximum over parties.
 */
export interface NetShape {
  /** One-way latency in milliseconds. */
  latencyMs: number;
  /** Bandwidth in bits per second. */
  bandwidthBps: number;
}

export const LAN: NetShape = Object.freeze({ latencyMs: 0.5, bandwidthBps: 1e9 });
export const WAN: NetShape = Object.freeze({ latencyMs: 40, bandwidthBps: 100e6 });

/** Delays actions in FIFO order by latency + size/bandwidth (one timer at a time). */
export class Shaper {
  private nextFree = 0;
  private queue: { at: number; fn: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly shape: NetShape) {}

  schedule(bytes: number, fn: () => void): void {
    const now = performance.now();
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + (bytes * 8 * 1000) / this.shape.bandwidthBps;
    this.queue.push({ at: this.nextFree + this.shape.latencyMs, fn });
    if (this.timer === undefined) this.arm();
  }

  private arm(): void {
    const head = this.queue[0];
    if (head === undefined) return;
    const wait = head.at - performance.now();
    if (wait <= 0) {
      this.queue.shift();
      head.fn();
      this.arm();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.arm();
    }, wait);
  }

  /** Resolves when every scheduled action has run. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.schedule(0, resolve));
  }

  /** Drop everything still queued (link closed). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }
}

/** Counts of one party that the estimate needs. */
export interface PartyTraffic {
  rounds: number;
  bytesSent: number;
  bytesRecv: number;
}

/**
 * Network time in seconds computed from measured counts (see the file
 * comment): max over parties of rounds·latency + max(sent, recv)·8/bandwidth.
 */
export function estimateNetworkSeconds(parties: Record<string, PartyTraffic>, net: NetShape): { seconds: number; perParty: Record<string, number> } {
  const perParty: Record<string, number> = {};
  let seconds = 0;
  for (const [id, t] of Object.entries(parties)) {
    const s = (t.rounds * net.latencyMs) / 1000 + (Math.max(t.bytesSent, t.bytesRecv) * 8) / net.bandwidthBps;
    perParty[id] = s;
    seconds = Math.max(seconds, s);
  }
  return { seconds, perParty };
}
