/**
 * Communication accounting of one party: bytes, messages and rounds, split by
 * phase ('setup', 'offline', 'online') and by a free-form label (e.g. a layer
 * name). Payload bytes (`bytesSent`/`bytesRecv`) are what protocol cost
 * formulas predict; wire bytes add the frame headers.
 *
 * A round is a point where a party must wait for a peer: every receive the
 * party blocks on counts one round, and waiting for several peers at once
 * (`Party.recvAll`) counts one.
 */
import type { NetShape } from './transport/shaping.js';

export type Phase = 'setup' | 'offline' | 'online';
export const PHASES: readonly Phase[] = ['setup', 'offline', 'online'];

export interface Counters {
  bytesSent: number;
  bytesRecv: number;
  wireBytesSent: number;
  wireBytesRecv: number;
  msgsSent: number;
  msgsRecv: number;
  rounds: number;
}

export function zeroCounters(): Counters {
  return { bytesSent: 0, bytesRecv: 0, wireBytesSent: 0, wireBytesRecv: 0, msgsSent: 0, msgsRecv: 0, rounds: 0 };
}

export function addCounters(a: Counters, b: Counters): Counters {
  return {
    bytesSent: a.bytesSent + b.bytesSent,
    bytesRecv: a.bytesRecv + b.bytesRecv,
    wireBytesSent: a.wireBytesSent + b.wireBytesSent,
    wireBytesRecv: a.wireBytesRecv + b.wireBytesRecv,
    msgsSent: a.msgsSent + b.msgsSent,
    msgsRecv: a.msgsRecv + b.msgsRecv,
    rounds: a.rounds + b.rounds,
  };
}

export function subCounters(a: Counters, b: Counters): Counters {
  return {
    bytesSent: a.bytesSent - b.bytesSent,
    bytesRecv: a.bytesRecv - b.bytesRecv,
    wireBytesSent: a.wireBytesSent - b.wireBytesSent,
    wireBytesRecv: a.wireBytesRecv - b.wireBytesRecv,
    msgsSent: a.msgsSent - b.msgsSent,
    msgsRecv: a.msgsRecv - b.msgsRecv,
    rounds: a.rounds - b.rounds,
  };
}

/** JSON report of one party. */
export interface PartyReport {
  party: string;
  /** Network shaping applied to this party's outgoing links (null: none, times are unshaped). */
  shaped: NetShape | null;
  phases: Record<string, { total: Counters; labels: Record<string, Counters> }>;
}

export class Accounting {
  /** Phase charged by default. */
  phase: Phase = 'setup';
  /** Label charged by default. */
  label = '';
  shaped: NetShape | null = null;
  private readonly table = new Map<string, Map<string, Counters>>();

  constructor(readonly party: string) {}

  private cell(phase: string, label: string): Counters {
    let byLabel = this.table.get(phase);
    if (!byLabel) this.table.set(phase, (byLabel = new Map()));
    let c = byLabel.get(label);
    if (!c) byLabel.set(label, (c = zeroCounters()));
    return c;
  }

  sent(bytes: number, wire: number, label = this.label, phase: string = this.phase): void {
    const c = this.cell(phase, label);
    c.bytesSent += bytes;
    c.wireBytesSent += wire;
    c.msgsSent += 1;
  }

  received(bytes: number, wire: number, label = this.label, phase: string = this.phase): void {
    const c = this.cell(phase, label);
    c.bytesRecv += bytes;
    c.wireBytesRecv += wire;
    c.msgsRecv += 1;
  }

  round(label = this.label, phase: string = this.phase): void {
    this.cell(phase, label).rounds += 1;
  }

  /** Totals of one phase (all labels), or of all phases. */
  total(phase?: string): Counters {
    let t = zeroCounters();
    for (const [ph, byLabel] of this.table) {
      if (phase !== undefined && ph !== phase) continue;
      for (const c of byLabel.values()) t = addCounters(t, c);
    }
    return t;
  }

  /** Counters of one label in one phase. */
  get(phase: string, label: string): Counters {
    return { ...(this.table.get(phase)?.get(label) ?? zeroCounters()) };
  }

  report(): PartyReport {
    const phases: PartyReport['phases'] = {};
    for (const [ph, byLabel] of this.table) {
      const labels: Record<string, Counters> = {};
      for (const [l, c] of byLabel) labels[l] = { ...c };
      phases[ph] = { total: this.total(ph), labels };
    }
    return { party: this.party, shaped: this.shaped, phases };
  }

  reset(): void {
    this.table.clear();
  }
}

/** Reports of all parties of a session, with per-phase totals. */
export interface SessionReport {
  parties: Record<string, PartyReport>;
  /** Per phase: bytes and messages summed over parties (each message counted once, at its sender), rounds = max over parties. */
  phases: Record<string, { bytes: number; wireBytes: number; messages: number; rounds: number }>;
  /** 'shaped' when any link was shaped (times include the simulated network), else 'unshaped'. */
  network: 'shaped' | 'unshaped';
}

export function combineReports(reports: readonly PartyReport[]): SessionReport {
  const parties: Record<string, PartyReport> = {};
  const phases: SessionReport['phases'] = {};
  for (const r of reports) {
    parties[r.party] = r;
    for (const [ph, v] of Object.entries(r.phases)) {
      const t = (phases[ph] ??= { bytes: 0, wireBytes: 0, messages: 0, rounds: 0 });
      t.bytes += v.total.bytesSent;
      t.wireBytes += v.total.wireBytesSent;
      t.messages += v.total.msgsSent;
      t.rounds = Math.max(t.rounds, v.total.rounds);
    }
  }
  return { parties, phases, network: reports.some((r) => r.shaped) ? 'shaped' : 'unshaped' };
}
